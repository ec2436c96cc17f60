package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;

/** A former master has been demoted (it replicates the current master): it is an ordinary replica again. */
public record ClearStale(String cluster, String group, Address address, long atMillis) implements Command {
}
