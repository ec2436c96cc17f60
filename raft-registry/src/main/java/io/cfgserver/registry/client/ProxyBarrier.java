package io.cfgserver.registry.client;

import io.cfgserver.registry.CfgServerException;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.ProxyFencing;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * "Every proxy either serves version >= V or has let its lease run out": the wait that failover
 * and migration use before they treat a new map as in force. What a proxy past its lease does
 * depends on the cluster's {@link ProxyFencing}: under {@code strict} its nutcracker is stopped
 * (the agent fences itself before the registry's lease end); under {@code per-group} it serves its
 * last map, unmanaged, and fences each group whose master no longer shows that the map holds for it
 * (docs/agent.md, "Static stability"): within the agent's evidence period of a failover or a stamp
 * change while its agent lives, within {@code unattendedMillis} of the agent's last check when it is
 * dead.
 */
public final class ProxyBarrier {
    /** Longest wait between two checks when nothing is applied meanwhile. */
    private static final Duration RECHECK = Duration.ofMillis(50);

    private ProxyBarrier() {
    }

    /** Where one proxy stands relative to a version. */
    public enum Standing {
        /** Acked at least the version, lease live. */
        SERVING,
        /** Lease live but serving an older version. */
        LAGGING,
        /** Lease ended (or never taken) under {@code strict}: its nutcracker is stopped. */
        FENCED,
        /**
         * Lease ended under {@code per-group} or {@code off}: it serves its last map without the
         * registry, fencing groups by data-plane evidence ({@code per-group}), or has stopped.
         */
        UNMANAGED
    }

    public static Standing standing(Proxy p, long version, long nowMillis, ProxyFencing fencing) {
        if (p.leaseEndMillis() <= nowMillis) {
            return fencing == ProxyFencing.STRICT ? Standing.FENCED : Standing.UNMANAGED;
        }
        return p.servedVersion() >= version ? Standing.SERVING : Standing.LAGGING;
    }

    /** Where the proxy stands against the cluster's current version and fencing policy. */
    public static Standing standing(Cluster c, Proxy p, long nowMillis) {
        return standing(p, c.version(), nowMillis, c.policy().proxyFencing());
    }

    /** Proxies that are still {@link Standing#LAGGING} for {@code version} at {@code nowMillis}. */
    public static List<Proxy> lagging(Cluster c, long version, long nowMillis) {
        return lagging(c, version, nowMillis, p -> 0);
    }

    /**
     * As {@link #lagging(Cluster, long, long)}, with the acks this peer has noted but not yet applied
     * ({@code noted}: the version a proxy's agent said it serves in a renewal that is still committing).
     */
    static List<Proxy> lagging(Cluster c, long version, long nowMillis, java.util.function.ToLongFunction<Proxy> noted) {
        return c.proxies().stream()
                .filter(p -> standing(p, version, nowMillis, c.policy().proxyFencing()) == Standing.LAGGING
                        && noted.applyAsLong(p) < version)
                .toList();
    }

    /** Thrown when proxies still lag at the deadline. */
    public static final class ProxiesLagException extends CfgServerException {
        public ProxiesLagException(String message) {
            super(message);
        }
    }

    /**
     * Waits until no proxy of {@code cluster} lags behind {@code version}, reading this peer's
     * applied state. Returns the cluster as then seen.
     *
     * <p>Re-checks on every entry this peer applies and on every ack it notes, so it returns as soon as
     * the last ack arrives rather than on the next poll; and, with nothing new, when the earliest lease
     * of a lagging proxy ends (or at most {@link #RECHECK} later, so a clock that is not the wall clock,
     * as in tests, is followed too).
     *
     * <p>An ack counts when it arrives at this peer ({@link RegistryClient#noteAck}, by the renewal's
     * request), before its renewal commits: the ack says what the proxy already does — its agent
     * restarted nutcracker on the new map before sending it, and an agent never goes back to an older
     * map — so it is as true before the commit as after. The commit adds durability, which this wait
     * does not need: a new leader that resumes the failover waits again on its own state, which the
     * agents' renewals reach within a lease/3. A lagging proxy is still judged by its committed lease
     * (a noted ack does not extend it).
     *
     * @throws ProxiesLagException when proxies still lag at the timeout (names them)
     */
    public static Cluster await(RegistryClient registry, String cluster, long version, Duration timeout, Clock clock)
            throws InterruptedException {
        long deadline = clock.millis() + timeout.toMillis();
        RegistryState state = registry.readLocal();
        while (true) {
            Cluster c = state.cluster(cluster)
                    .orElseThrow(() -> new CfgServerException("cluster-[" + cluster + "] does not exist"));
            long now = clock.millis();
            List<Proxy> lagging = lagging(c, version, now, p -> registry.notedAck(cluster, c.createdMillis(), p.id()));
            if (lagging.isEmpty()) {
                return c;
            }
            if (now >= deadline) {
                throw new ProxiesLagException("after " + timeout.toMillis() + " ms these proxies still serve a version below "
                        + version + " with a live lease: " + lagging.stream()
                                .map(p -> p.logId() + "@" + p.servedVersion()).toList());
            }
            long wakeAt = Math.min(deadline, lagging.stream().mapToLong(Proxy::leaseEndMillis).min().orElse(deadline));
            long waitMillis = Math.max(1, Math.min(RECHECK.toMillis(), wakeAt - now));
            state = registry.awaitChange(state, Duration.ofMillis(waitMillis));
        }
    }
}
