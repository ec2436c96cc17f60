package io.cfgserver.registry.command;

/** Stores a new version of a cluster's desired config with the content of an earlier version {@code to}. */
public record RollbackConfig(String cluster, long to, long atMillis) implements Command {
}
