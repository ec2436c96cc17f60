package io.cfgserver.registry.command;

/** Appends an event to a cluster's log (agents, controller, jobs). */
public record RecordEvent(String cluster, String eventType, String subject, String message, long atMillis)
        implements Command {
}
