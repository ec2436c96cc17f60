package io.cfgserver.registry.client;

import java.util.List;

/**
 * One peer's view of the registry's Raft group.
 *
 * @param role LEADER, FOLLOWER, CANDIDATE, LISTENER or UNKNOWN
 */
public record RegistryInfo(String peerId, String role, String leaderId, long term, long commitIndex,
        long appliedIndex, List<PeerInfo> peers) {

    /** A member of the group: id and Raft (gRPC) address. */
    public record PeerInfo(String id, String address) {
    }
}
