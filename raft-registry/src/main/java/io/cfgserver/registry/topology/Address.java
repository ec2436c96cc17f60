package io.cfgserver.registry.topology;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A {@code host:port} endpoint. Serialized as the string {@code "host:port"}. */
public record Address(String host, int port) implements Comparable<Address> {

    public Address {
        if (host == null || host.isBlank() || host.contains(":") || host.contains(" ")) {
            throw new InvalidTopologyException("host must be a non-empty name or IPv4 address without ':' or spaces, got '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new InvalidTopologyException("port must be between 1 and 65535, got " + port + " for host " + host);
        }
    }

    /** Parses {@code host:port}; the message of the exception says what is wrong. */
    @JsonCreator
    public static Address parse(String text) {
        if (text == null) {
            throw new InvalidTopologyException("address is missing: expected host:port, e.g. 127.0.0.1:6379");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new InvalidTopologyException("address '" + text + "' is not host:port, e.g. 127.0.0.1:6379");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new InvalidTopologyException("address '" + text + "' has a port that is not a number");
        }
        return new Address(text.substring(0, colon), port);
    }

    @JsonValue
    @Override
    public String toString() {
        return host + ":" + port;
    }

    /** The id used in logs and events: {@code instance-[host:port]}. */
    public String logId() {
        return "instance-[" + this + "]";
    }

    @Override
    public int compareTo(Address o) {
        int c = host.compareTo(o.host);
        return c != 0 ? c : Integer.compare(port, o.port);
    }
}
