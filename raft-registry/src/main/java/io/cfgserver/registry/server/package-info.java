/**
 * Running a registry peer: {@code PeerConfig} (validated), and {@code RegistryPeer}, which starts
 * the Ratis server and a Ratis client for its group and implements {@code client.RegistryClient}
 * (submit through the leader, linearizable reads served locally after a read barrier, version
 * watch, membership changes, leader notifications).
 *
 * <p>Owns: Ratis configuration (ports, storage, timeouts, read option, snapshots, mutual TLS from
 * {@code PeerTls}'s PEM files), retries and
 * their deadline, the mapping of Ratis failures onto cfgserver exceptions.
 * Must not: interpret commands or touch the state (that is {@code statemachine}); leak Ratis types
 * through its public API beyond what callers configure; be used by other modules except to start,
 * stop and re-configure the peer; everything else goes through {@code RegistryClient}.
 */
package io.cfgserver.registry.server;
