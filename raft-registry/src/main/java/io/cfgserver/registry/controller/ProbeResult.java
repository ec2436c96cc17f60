package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;

/**
 * What one probe of an instance saw. {@code ok} false: no valid reply (the other fields are then
 * those of no knowledge).
 *
 * @param offset          master_repl_offset on a master, slave_repl_offset on a replica
 * @param linkDownSeconds on a replica whose link is down: master_link_down_since_seconds (-1 if unknown)
 */
public record ProbeResult(boolean ok, long atNanos, String role, Address masterOf, boolean linkUp,
        long linkDownSeconds, long offset, String error) {

    public static ProbeResult failed(long atNanos, String error) {
        return new ProbeResult(false, atNanos, null, null, false, -1, -1, error);
    }

    public boolean isMaster() {
        return ok && "master".equals(role);
    }

    public boolean isReplicaOf(Address master) {
        return ok && "slave".equals(role) && master.equals(masterOf);
    }
}
