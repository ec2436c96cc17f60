package io.cfgserver.registry.command;

/** Adds a proxy to a cluster. */
public record AddProxy(String cluster, ProxySpec proxy, long atMillis) implements Command {
}
