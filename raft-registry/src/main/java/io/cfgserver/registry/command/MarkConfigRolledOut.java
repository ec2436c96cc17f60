package io.cfgserver.registry.command;

/** Records that config {@code version} is on every instance and proxy of the cluster (by {@code job}). */
public record MarkConfigRolledOut(String cluster, long version, String job, long atMillis) implements Command {
}
