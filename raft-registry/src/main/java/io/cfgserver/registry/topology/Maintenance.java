package io.cfgserver.registry.topology;

/**
 * A maintenance window: automatic failover of a group (or of the group whose master is the instance) is
 * suspended, and an instance in one is never banned nor promoted automatically, until
 * {@code untilMillis} — because operators restart Redis on purpose. Planned switchovers still run.
 *
 * @param target      a group id of the cluster, or an instance's {@code host:port}
 * @param sinceMillis when it was set (or last extended)
 * @param untilMillis when it ends by itself
 * @param reason      what the operator said it is for
 * @param by          who set it (the caller's name; empty when roles are off)
 */
public record Maintenance(String target, long sinceMillis, long untilMillis, String reason, String by) {
    /** The longest window one request may set: a forgotten window must not disable stop-loss for good. */
    public static final long MAX_MILLIS = 7L * 24 * 3600 * 1000;

    public boolean activeAt(long nowMillis) {
        return untilMillis > nowMillis;
    }

    /** True when the target is an instance ({@code host:port}), false for a group. */
    public boolean isInstance() {
        return target.contains(":");
    }

    /** {@code instance-[host:port]} or {@code group-[cluster/id]}. */
    public String logId(String cluster) {
        return isInstance() ? "instance-[" + target + "]" : "group-[" + cluster + "/" + target + "]";
    }
}
