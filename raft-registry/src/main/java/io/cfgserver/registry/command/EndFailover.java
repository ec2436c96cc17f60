package io.cfgserver.registry.command;

/**
 * Ends the failover in progress and records it in the group's history. {@code aborted} is legal
 * only before the commit point ({@link PromoteReplica}); {@code outcome} is a word such as
 * {@code done}, {@code no-good-replica}, {@code promotion-failed}, {@code timeout}.
 */
public record EndFailover(String cluster, String group, long epoch, boolean aborted, String outcome, long atMillis)
        implements Command {
}
