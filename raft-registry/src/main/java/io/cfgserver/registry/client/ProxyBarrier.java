package io.cfgserver.registry.client;

import io.cfgserver.registry.CfgServerException;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * "Every proxy either serves version >= V or has let its lease run out": the wait that failover
 * and migration use before they treat a new map as in force. A proxy whose lease has ended has
 * stopped its nutcracker (the agent fences itself before the registry's lease end), so it routes
 * nothing by an old map.
 */
public final class ProxyBarrier {
    private static final Duration POLL = Duration.ofMillis(10);

    private ProxyBarrier() {
    }

    /** Where one proxy stands relative to a version. */
    public enum Standing {
        /** Acked at least the version, lease live. */
        SERVING,
        /** Lease live but serving an older version. */
        LAGGING,
        /** Lease ended (or never taken): its nutcracker is stopped. */
        FENCED
    }

    public static Standing standing(Proxy p, long version, long nowMillis) {
        if (p.leaseEndMillis() <= nowMillis) {
            return Standing.FENCED;
        }
        return p.servedVersion() >= version ? Standing.SERVING : Standing.LAGGING;
    }

    /** Proxies that are still {@link Standing#LAGGING} for {@code version} at {@code nowMillis}. */
    public static List<Proxy> lagging(Cluster c, long version, long nowMillis) {
        return c.proxies().stream().filter(p -> standing(p, version, nowMillis) == Standing.LAGGING).toList();
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
     * @throws ProxiesLagException when proxies still lag at the timeout (names them)
     */
    public static Cluster await(RegistryClient registry, String cluster, long version, Duration timeout, Clock clock)
            throws InterruptedException {
        long deadline = clock.millis() + timeout.toMillis();
        while (true) {
            Cluster c = registry.readLocal().cluster(cluster)
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
            Thread.sleep(POLL.toMillis());
        }
    }
}
