package io.cfgserver.registry.command;

/**
 * Records the move of slots {@code from..to} (all owned by one group, the source) to group
 * {@code target} for job {@code job}: the slots become migrating (no other move may touch them, the
 * slot map cannot be reassigned under them) and the epochs of both groups are kept. Sent again by
 * the same job while the copy has not committed, it starts the copy over on the groups' current
 * epochs (after a failover of either).
 */
public record BeginMigration(String cluster, String job, int from, int to, String target, long atMillis)
        implements Command {
}
