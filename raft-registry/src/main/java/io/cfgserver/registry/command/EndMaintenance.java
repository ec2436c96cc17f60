package io.cfgserver.registry.command;

/**
 * Ends a maintenance window before its time ({@code why}: e.g. "cleared by alice") or records that it
 * expired ({@code why} "expired", sent by the leader's controller). Ending one that is not there is a no-op.
 */
public record EndMaintenance(String cluster, String target, String why, long atMillis) implements Command {
}
