package io.cfgserver.registry.topology;

/**
 * A failover (or planned switchover) in progress in a group, as committed to the registry. A new
 * leader resumes it from {@code state}.
 *
 * @param epoch          the group's epoch once it is done
 * @param oldMaster      the master being replaced
 * @param candidate      the replica being promoted
 * @param state          where it stands
 * @param planned        a switchover asked for by an operator (no data loss), not a failover
 * @param reason         why it started
 * @param startedMillis  when the intent was committed
 * @param stateMillis    when it entered {@code state} (timeouts count from here)
 */
public record Failover(long epoch, Address oldMaster, Address candidate, FailoverState state, boolean planned,
        String reason, long startedMillis, long stateMillis) {
    public Failover to(FailoverState next, long atMillis) {
        return new Failover(epoch, oldMaster, candidate, next, planned, reason, startedMillis, atMillis);
    }
}
