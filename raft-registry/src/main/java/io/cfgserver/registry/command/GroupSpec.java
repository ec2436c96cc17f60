package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;
import java.util.List;

/** A group as a request describes it: id, master and replicas. */
public record GroupSpec(String id, Address master, List<Address> replicas) {
    public GroupSpec {
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
    }
}
