package io.cfgserver.registry.command;

/** Removes a group that owns no slots. */
public record RemoveGroup(String cluster, String group, long atMillis) implements Command {
}
