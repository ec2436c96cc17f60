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
        return c.proxies().stream()
                .filter(p -> standing(p, version, nowMillis, c.policy().proxyFencing()) == Standing.LAGGING).toList();
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
     * <p>Re-checks on every entry this peer applies (an ack is a lease renewal: a Raft write), so it
     * returns as soon as the last ack is applied here rather than on the next poll; and, with nothing
     * applied, when the earliest lease of a lagging proxy ends (or at most {@link #RECHECK} later, so
     * a clock that is not the wall clock, as in tests, is followed too).
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
            List<Proxy> lagging = lagging(c, version, now);
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
