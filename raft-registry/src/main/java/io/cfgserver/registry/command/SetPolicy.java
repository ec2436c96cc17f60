package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Policy;

/** Replaces a cluster's policy. Does not change the topology version. */
public record SetPolicy(String cluster, Policy policy, long atMillis) implements Command {
}
