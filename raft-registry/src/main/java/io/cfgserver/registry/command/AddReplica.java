package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;

/** Registers a replica of a group (the add-replica job calls it once the replica has caught up). */
public record AddReplica(String cluster, String group, Address address, Integer priority, String region, long atMillis)
        implements Command {
}
