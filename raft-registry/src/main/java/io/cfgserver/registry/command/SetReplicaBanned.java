package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;

/** Bans a replica (never promoted) or re-admits it, with the reason. */
public record SetReplicaBanned(String cluster, String group, Address address, boolean banned, String reason,
        long atMillis) implements Command {
}
