package io.cfgserver.registry.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-cluster stop-loss policy. Used by the controller (failover issue); stored and validated
 * here.
 *
 * @param autoFailover           promote a replica when a master is objectively down
 * @param autoBan                ban replicas that are down or lag
 * @param downAfterMillis        subjectively down after this long without a valid reply
 * @param maxFailoversPerWindow  at most this many automatic failovers per window
 * @param failoverWindowMillis   the window for maxFailoversPerWindow
 * @param fleetBreakerShare      stop automatic failover when more than this share of all masters (of every
 *                               cluster; at least two of them) look dead at once
 * @param replicaMaxLagBytes     a replica further behind than this is banned
 * @param minReplicasToWrite     min-replicas-to-write set on masters (0: off)
 * @param minReplicasMaxLagSeconds min-replicas-max-lag set on masters
 * @param proxyFencing           what a proxy does when its lease ends without a renewal: {@code per-group}
 *                               (keep serving, fence only the groups whose data-plane evidence fails),
 *                               {@code strict} (stop the proxy), {@code off} (keep serving)
 */
public record Policy(
        boolean autoFailover,
        boolean autoBan,
        long downAfterMillis,
        int maxFailoversPerWindow,
        long failoverWindowMillis,
        double fleetBreakerShare,
        long replicaMaxLagBytes,
        int minReplicasToWrite,
        int minReplicasMaxLagSeconds,
        ProxyFencing proxyFencing) {

    public Policy {
        // policies stored before the field existed read as the default
        proxyFencing = proxyFencing == null ? ProxyFencing.PER_GROUP : proxyFencing;
    }

    public static Policy defaults() {
        return new Policy(true, true, 1000, 3, 600_000, 0.5, 64L * 1024 * 1024, 0, 10, ProxyFencing.PER_GROUP);
    }

    public Policy withProxyFencing(ProxyFencing value) {
        return new Policy(autoFailover, autoBan, downAfterMillis, maxFailoversPerWindow, failoverWindowMillis,
                fleetBreakerShare, replicaMaxLagBytes, minReplicasToWrite, minReplicasMaxLagSeconds, value);
    }

    /** Every reason this policy is unusable, empty when it is fine. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (downAfterMillis < 100 || downAfterMillis > 600_000) {
            p.add("downAfterMillis must be between 100 and 600000, got " + downAfterMillis);
        }
        if (maxFailoversPerWindow < 0) {
            p.add("maxFailoversPerWindow must be >= 0, got " + maxFailoversPerWindow);
        }
        if (failoverWindowMillis < 1000) {
            p.add("failoverWindowMillis must be >= 1000, got " + failoverWindowMillis);
        }
        if (!(fleetBreakerShare > 0 && fleetBreakerShare <= 1)) {
            p.add("fleetBreakerShare must be in (0, 1], got " + fleetBreakerShare);
        }
        if (replicaMaxLagBytes < 0) {
            p.add("replicaMaxLagBytes must be >= 0, got " + replicaMaxLagBytes);
        }
        if (minReplicasToWrite < 0) {
            p.add("minReplicasToWrite must be >= 0, got " + minReplicasToWrite);
        }
        if (minReplicasMaxLagSeconds < 1) {
            p.add("minReplicasMaxLagSeconds must be >= 1, got " + minReplicasMaxLagSeconds);
        }
        return p;
    }
}
