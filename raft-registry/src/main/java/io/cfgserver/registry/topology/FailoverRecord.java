package io.cfgserver.registry.topology;

/** One finished failover or switchover of a group (its history keeps the newest ones). */
public record FailoverRecord(long epoch, Address from, Address to, boolean planned, String reason, String outcome,
        long startedMillis, long endedMillis) {
}
