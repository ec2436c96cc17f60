package io.cfgserver.registry.command;

/**
 * The commit point of a move: the slots change owner (the topology version bumps), refused unless
 * both groups still have the epochs the job copied under ({@code sourceEpoch}, {@code targetEpoch}).
 * Idempotent once committed.
 */
public record CommitMigration(String cluster, String job, long sourceEpoch, long targetEpoch, long atMillis)
        implements Command {
}
