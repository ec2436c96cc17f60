package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;

/** Unregisters a replica of a group. */
public record RemoveReplica(String cluster, String group, Address address, long atMillis) implements Command {
}
