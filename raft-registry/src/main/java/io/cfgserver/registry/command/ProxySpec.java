package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;

/** A proxy as a request describes it: id and the address nutcracker listens on. */
public record ProxySpec(String id, Address listen) {
}
