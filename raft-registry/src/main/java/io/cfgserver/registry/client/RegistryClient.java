package io.cfgserver.registry.client;

import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Duration;
import java.util.Optional;

/**
 * What the rest of cfgserver needs from the registry. Implemented by the local Ratis peer
 * ({@code server.RegistryPeer}); the service, activities and controller use only this.
 */
public interface RegistryClient {

    /**
     * Replicates a command through the leader and returns once it is applied, on the leader and on
     * this peer: {@link #readLocal()} afterwards sees the change (read-your-writes).
     *
     * @throws CommandRejectedException   when the registry refused it (nothing changed)
     * @throws RegistryUnavailableException when no leader could be reached in time
     */
    CommandResult submit(Command command);

    /** A linearizable read: the state as of (at least) the latest commit when the call began. */
    RegistryState read();

    /** This peer's applied state, without asking the leader: may lag behind. */
    RegistryState readLocal();

    /**
     * Waits until this peer has applied a version of {@code cluster} greater than
     * {@code afterVersion}, or until the timeout. Returns the cluster as then known (empty if it
     * does not exist). Versions only grow, so a newer version seen on any peer is committed.
     */
    Optional<Cluster> awaitVersion(String cluster, long afterVersion, Duration timeout) throws InterruptedException;

    /**
     * Returns this peer's applied state once it differs from {@code seen} (something was applied after
     * it), or at the timeout, whichever comes first. The default polls; a registry peer waits on its
     * state machine's notification.
     */
    default RegistryState awaitChange(RegistryState seen, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RegistryState now = readLocal();
        while (now == seen && System.nanoTime() < deadline) {
            Thread.sleep(Math.max(1, Math.min(5, (deadline - System.nanoTime()) / 1_000_000)));
            now = readLocal();
        }
        return now;
    }

    /**
     * Notes that a proxy's agent says it now serves {@code version} (the ack of its renewal, noted when
     * the request arrives, before the renewal commits) and wakes {@link #awaitChange} waiters. Kept in
     * this peer's memory only; see {@link ProxyBarrier} for why the barrier may count it.
     * {@code incarnation}: the cluster's {@code createdMillis}, so an ack never outlives its cluster.
     */
    default void noteAck(String cluster, long incarnation, String proxy, long version) {
    }

    /** The highest version noted by {@link #noteAck} for the proxy, 0 when none. */
    default long notedAck(String cluster, long incarnation, String proxy) {
        return 0;
    }

    /** True when this peer leads the registry (as far as it knows): it applies every commit first. */
    default boolean leading() {
        try {
            return "LEADER".equals(info().role());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** This peer's view of the Raft group. */
    RegistryInfo info();
}
