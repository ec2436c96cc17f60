package io.cfgserver.registry.command;

/**
 * Ends a move and removes its record. {@code aborted} is legal only before the commit
 * ({@link CommitMigration}); a move that committed ends as done. {@code outcome}: {@code done},
 * or the abort's reason word ({@code cancelled}, {@code flushed}, ...).
 */
public record EndMigration(String cluster, String job, boolean aborted, String outcome, String message, long atMillis)
        implements Command {
}
