package io.cfgserver.registry.command;

/** Adds a group that owns no slots yet (slots come by migration or a forced assignment). */
public record AddGroup(String cluster, GroupSpec group, long atMillis) implements Command {
}
