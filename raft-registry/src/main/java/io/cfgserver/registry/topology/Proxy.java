package io.cfgserver.registry.topology;

/**
 * One twemproxy (nutcracker) and the agent beside it.
 *
 * @param servedVersion  topology version the agent last acked (0: never acked)
 * @param lastAckMillis  when it acked, agent-reported time in the command
 * @param leaseEndMillis when its lease ends unless renewed (0: no lease held)
 */
public record Proxy(String id, Address listen, long servedVersion, long lastAckMillis, long leaseEndMillis) {
    public static Proxy fresh(String id, Address listen) {
        return new Proxy(id, listen, 0, 0, 0);
    }

    public String logId() {
        return "proxy-[" + id + "]";
    }
}
