package io.cfgserver.registry.command;

/** Deletes a cluster, its events and its finished jobs; refused while a job runs. */
public record DeleteCluster(String cluster, long atMillis) implements Command {
}
