package io.cfgserver.registry.render;

import io.cfgserver.registry.topology.InvalidTopologyException;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-proxy nutcracker settings that are not topology: timeouts and connection counts.
 *
 * @param timeoutMillis             nutcracker {@code timeout}: server I/O timeout
 * @param serverRetryTimeoutMillis  {@code server_retry_timeout}
 * @param serverFailureLimit        {@code server_failure_limit} (ejection is off, so this only
 *                                  paces reconnects)
 * @param serverConnections         {@code server_connections} per server line
 * @param preconnect                {@code preconnect}
 * @param backlog                   {@code backlog} of the listen socket
 */
public record ProxySettings(int timeoutMillis, int serverRetryTimeoutMillis, int serverFailureLimit,
        int serverConnections, boolean preconnect, int backlog) {

    public static ProxySettings defaults() {
        return new ProxySettings(1000, 200, 1, 1, true, 1024);
    }

    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (timeoutMillis < 1 || timeoutMillis > 600_000) {
            p.add("timeoutMillis must be between 1 and 600000, got " + timeoutMillis);
        }
        if (serverRetryTimeoutMillis < 1 || serverRetryTimeoutMillis > 600_000) {
            p.add("serverRetryTimeoutMillis must be between 1 and 600000, got " + serverRetryTimeoutMillis);
        }
        if (serverFailureLimit < 1) {
            p.add("serverFailureLimit must be >= 1, got " + serverFailureLimit);
        }
        if (serverConnections < 1 || serverConnections > 64) {
            p.add("serverConnections must be between 1 and 64, got " + serverConnections);
        }
        if (backlog < 1) {
            p.add("backlog must be >= 1, got " + backlog);
        }
        return p;
    }

    public ProxySettings validated() {
        List<String> p = problems();
        if (!p.isEmpty()) {
            throw new InvalidTopologyException("proxy settings are invalid: " + String.join("; ", p));
        }
        return this;
    }
}
