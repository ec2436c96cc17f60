package io.cfgserver.registry.command;

/** Removes a proxy from a cluster. */
public record RemoveProxy(String cluster, String proxy, long atMillis) implements Command {
}
