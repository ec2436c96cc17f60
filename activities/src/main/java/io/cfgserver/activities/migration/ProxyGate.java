package io.cfgserver.activities.migration;

/**
 * Asked by the copy before it takes the hold: until when may a proxy whose agent has gone silent
 * still serve the map of its last renewal (its watchdog's deadline as the registry knows it)? A hold
 * taken before then would keep the source's writes refused until then (the cut-over waits for such a
 * proxy, {@code MoveRegistryActivities.awaitProxies}); waiting before the hold costs nothing but time.
 */
@FunctionalInterface
public interface ProxyGate {
    /** Never waits (no registry at hand). */
    ProxyGate NONE = cluster -> 0;

    /** Epoch ms until which some silent proxy of {@code cluster} may serve on its last renewal's vouch; 0 when none. */
    long silentProxiesServeUntil(String cluster);
}
