package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;

/**
 * What one probe of an instance saw. {@code ok} false: no valid reply (the other fields are then
 * those of no knowledge, and {@code failure} says what kind of failure it was).
 *
 * @param offset          master_repl_offset on a master, slave_repl_offset on a replica
 * @param linkDownSeconds on a replica whose link is down: master_link_down_since_seconds (-1 if unknown)
 * @param failure         why there was no valid reply; null when {@code ok}
 */
public record ProbeResult(boolean ok, long atNanos, ProbeRole role, Address masterOf, boolean linkUp,
        long linkDownSeconds, long offset, String error, ProbeFailure failure) {

    public ProbeResult {
        if (ok && failure != null) {
            throw new IllegalArgumentException("a valid reply has no failure kind, got " + failure);
        }
        if (!ok && failure == null) {
            failure = ProbeFailure.OTHER;
        }
    }

    public static ProbeResult failed(long atNanos, ProbeFailure failure, String error) {
        return new ProbeResult(false, atNanos, null, null, false, -1, -1, error, failure);
    }

    public boolean isMaster() {
        return ok && role == ProbeRole.MASTER;
    }

    public boolean isReplicaOf(Address master) {
        return ok && role == ProbeRole.REPLICA && master.equals(masterOf);
    }
}
