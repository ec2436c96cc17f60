package io.cfgserver.registry.topology;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Map;
import java.util.TreeMap;

/**
 * One twemproxy (nutcracker) and the agent beside it.
 *
 * @param servedVersion  topology version the agent last acked (0: never acked)
 * @param lastAckMillis  when it acked, agent-reported time in the command
 * @param leaseEndMillis when its lease ends unless renewed (0: no lease held)
 * @param nutcracker     the pool settings of the cluster's config the agent renders for this proxy
 *                       ({@code timeout}, {@code server_connections}, ...; empty: the agent's own),
 *                       given proxy by proxy by a {@code config-rollout} so that one restarts at a time
 * @param configVersion  the config version those settings come from (0: none yet)
 */
public record Proxy(String id, Address listen, long servedVersion, long lastAckMillis, long leaseEndMillis,
        Map<String, String> nutcracker, long configVersion) {

    @JsonCreator
    public Proxy {
        nutcracker = nutcracker == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(nutcracker));
    }

    public Proxy(String id, Address listen, long servedVersion, long lastAckMillis, long leaseEndMillis) {
        this(id, listen, servedVersion, lastAckMillis, leaseEndMillis, Map.of(), 0);
    }

    public static Proxy fresh(String id, Address listen) {
        return new Proxy(id, listen, 0, 0, 0);
    }

    public Proxy withListen(Address value) {
        return new Proxy(id, value, servedVersion, lastAckMillis, leaseEndMillis, nutcracker, configVersion);
    }

    public Proxy withAck(long served, long ackMillis, long leaseEnd) {
        return new Proxy(id, listen, served, ackMillis, leaseEnd, nutcracker, configVersion);
    }

    public Proxy withSettings(Map<String, String> value, long fromConfigVersion) {
        return new Proxy(id, listen, servedVersion, lastAckMillis, leaseEndMillis, value, fromConfigVersion);
    }

    public String logId() {
        return "proxy-[" + id + "]";
    }
}
