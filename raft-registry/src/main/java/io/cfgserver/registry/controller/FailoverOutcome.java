package io.cfgserver.registry.controller;

/**
 * How a failover or switchover ended, as recorded in the group's history ({@code EndFailover.outcome})
 * and in {@code -failover-abort-<outcome>} events. Every value but {@link #DONE} is an abort before the
 * commit point, or a refusal to begin one.
 */
public enum FailoverOutcome {
    DONE("done"),
    /** The cluster's policy has automatic failover off. */
    AUTO_FAILOVER_OFF("auto-failover-off"),
    /** The group or its master is in a maintenance window. */
    MAINTENANCE("maintenance"),
    /** The group owns no slots: no client depends on it. */
    NO_SLOTS("no-slots"),
    /** Too many masters look down at once: the controller's network is suspect. */
    FLEET_BREAKER("fleet-breaker"),
    /** Too many failovers of the group in the policy's window. */
    RATE_LIMIT("rate-limit"),
    /** No replica may be promoted (each one's reason is in the event). */
    NO_GOOD_REPLICA("no-good-replica"),
    /** {@code REPLICAOF NO ONE} kept failing for {@code promoteTimeout}. */
    PROMOTION_FAILED("promotion-failed"),
    /** Redis' {@code FAILOVER TO} did not make the target master. */
    SWITCHOVER_FAILED("switchover-failed");

    private final String wire;

    FailoverOutcome(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
