package io.cfgserver.registry.server;

import io.cfgserver.registry.client.RegistryInfo.PeerInfo;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.InvalidTopologyException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * How to run one registry peer.
 *
 * @param id                 this peer's id; must be one of {@code peers}
 * @param peers              the Raft group: id and {@code host:port} of each peer's Raft (gRPC) endpoint.
 *                           For a new peer joining a running group, the new full membership.
 * @param dataDir            Raft log and snapshots go to {@code dataDir/<id>}
 * @param electionTimeoutMin a follower that hears no leader for a random time in [min, max] starts an election
 * @param electionTimeoutMax see above; Ratis' own 150–300 ms churns leadership on small machines
 * @param groupId            the Raft group id; the same on every peer
 * @param snapshotThreshold  take a snapshot after this many applied entries since the last one
 * @param requestTimeout     how long {@code submit}, {@code read} and {@code setPeers} try before giving up
 * @param tls                mutual TLS on the Raft transport, or null for plaintext (every peer of a group
 *                           must agree)
 */
public record PeerConfig(
        String id,
        List<PeerInfo> peers,
        Path dataDir,
        Duration electionTimeoutMin,
        Duration electionTimeoutMax,
        UUID groupId,
        long snapshotThreshold,
        Duration requestTimeout,
        PeerTls tls) {

    public static final Duration DEFAULT_ELECTION_TIMEOUT_MIN = Duration.ofSeconds(1);
    public static final Duration DEFAULT_ELECTION_TIMEOUT_MAX = Duration.ofSeconds(2);
    public static final UUID DEFAULT_GROUP_ID = UUID.nameUUIDFromBytes("cfgserver".getBytes(StandardCharsets.UTF_8));
    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final int MAX_PEERS = 7;

    private static final Pattern PEER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    /** Fills defaults for null durations and group id, and a zero snapshot threshold; validates. */
    public PeerConfig {
        electionTimeoutMin = electionTimeoutMin == null ? DEFAULT_ELECTION_TIMEOUT_MIN : electionTimeoutMin;
        electionTimeoutMax = electionTimeoutMax == null ? DEFAULT_ELECTION_TIMEOUT_MAX : electionTimeoutMax;
        groupId = groupId == null ? DEFAULT_GROUP_ID : groupId;
        snapshotThreshold = snapshotThreshold == 0 ? DEFAULT_SNAPSHOT_THRESHOLD : snapshotThreshold;
        requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
        peers = validatePeers(peers);
        if (id == null || peers.stream().noneMatch(p -> p.id().equals(id))) {
            throw new InvalidPeerConfigException("peer id '" + id + "' is not among the peers "
                    + peers.stream().map(PeerInfo::id).toList() + ": list this peer in 'peers' too");
        }
        if (dataDir == null) {
            throw new InvalidPeerConfigException("dataDir is missing: give a directory for the Raft log and snapshots");
        }
        if (electionTimeoutMin.isNegative() || electionTimeoutMin.toMillis() < 50) {
            throw new InvalidPeerConfigException("electionTimeoutMin must be at least 50 ms, got " + electionTimeoutMin);
        }
        if (electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
            throw new InvalidPeerConfigException("electionTimeoutMax (" + electionTimeoutMax
                    + ") must be greater than electionTimeoutMin (" + electionTimeoutMin + ")");
        }
        if (snapshotThreshold < 1) {
            throw new InvalidPeerConfigException("snapshotThreshold must be >= 1 (entries between snapshots), got "
                    + snapshotThreshold);
        }
        if (requestTimeout.toMillis() < 100) {
            throw new InvalidPeerConfigException("requestTimeout must be at least 100 ms, got " + requestTimeout);
        }
    }

    /**
     * A config with every default: 1–2 s election timeout, fixed group id, 10000-entry snapshots, 10 s requests,
     * no TLS.
     */
    public static PeerConfig of(String id, List<PeerInfo> peers, Path dataDir) {
        return new PeerConfig(id, peers, dataDir, null, null, null, 0, null, null);
    }

    public PeerConfig withPeers(List<PeerInfo> newPeers) {
        return new PeerConfig(id, newPeers, dataDir, electionTimeoutMin, electionTimeoutMax, groupId, snapshotThreshold,
                requestTimeout, tls);
    }

    public PeerConfig withElectionTimeout(Duration min, Duration max) {
        return new PeerConfig(id, peers, dataDir, min, max, groupId, snapshotThreshold, requestTimeout, tls);
    }

    public PeerConfig withSnapshotThreshold(long entries) {
        return new PeerConfig(id, peers, dataDir, electionTimeoutMin, electionTimeoutMax, groupId, entries,
                requestTimeout, tls);
    }

    public PeerConfig withRequestTimeout(Duration timeout) {
        return new PeerConfig(id, peers, dataDir, electionTimeoutMin, electionTimeoutMax, groupId, snapshotThreshold,
                timeout, tls);
    }

    /** With mutual TLS on the Raft transport ({@code null}: plaintext). */
    public PeerConfig withTls(PeerTls peerTls) {
        return new PeerConfig(id, peers, dataDir, electionTimeoutMin, electionTimeoutMax, groupId, snapshotThreshold,
                requestTimeout, peerTls);
    }

    /** This peer's entry in {@link #peers}. */
    public PeerInfo self() {
        return peers.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
    }

    /** This peer's storage directory. */
    public Path storageDir() {
        return dataDir.resolve(id);
    }

    /**
     * Checks a membership: 1..{@value #MAX_PEERS} peers, valid ids, {@code host:port} addresses,
     * no id or address twice. Returns an immutable copy.
     */
    public static List<PeerInfo> validatePeers(List<PeerInfo> peers) {
        if (peers == null || peers.isEmpty() || peers.size() > MAX_PEERS) {
            throw new InvalidPeerConfigException("a registry group needs 1 to " + MAX_PEERS + " peers (3 or 5 in production), got "
                    + (peers == null ? 0 : peers.size()));
        }
        Set<String> ids = new HashSet<>();
        Set<Address> addresses = new HashSet<>();
        for (PeerInfo p : peers) {
            if (p == null || p.id() == null || !PEER_ID.matcher(p.id()).matches()) {
                throw new InvalidPeerConfigException("peer id '" + (p == null ? null : p.id())
                        + "' is invalid: use letters, digits, '.', '_' or '-' (at most 63), e.g. cfg1");
            }
            Address address;
            try {
                address = Address.parse(p.address());
            } catch (InvalidTopologyException e) {
                throw new InvalidPeerConfigException("peer " + p.id() + ": " + e.getMessage());
            }
            if (!ids.add(p.id())) {
                throw new InvalidPeerConfigException("peer id '" + p.id() + "' appears twice: peer ids must be unique");
            }
            if (!addresses.add(address)) {
                throw new InvalidPeerConfigException("address " + address + " appears twice (peer " + p.id()
                        + "): each peer needs its own host:port");
            }
        }
        return List.copyOf(peers);
    }
}
