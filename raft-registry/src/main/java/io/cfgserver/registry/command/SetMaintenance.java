package io.cfgserver.registry.command;

/**
 * Starts (or extends, or shortens) a maintenance window on a group or an instance of a cluster, until
 * {@code untilMillis} (see {@link io.cfgserver.registry.topology.Maintenance}).
 */
public record SetMaintenance(String cluster, String target, long untilMillis, String reason, String by, long atMillis)
        implements Command {
}
