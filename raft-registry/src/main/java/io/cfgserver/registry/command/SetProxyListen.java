package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;

/** Moves a proxy to another listen address (its agent restarts nutcracker there). */
public record SetProxyListen(String cluster, String proxy, Address listen, long atMillis) implements Command {
}
