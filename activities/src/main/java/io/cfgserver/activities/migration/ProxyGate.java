package io.cfgserver.activities.migration;

import java.util.List;

/**
 * Asked by the copy before it takes the hold: which proxies of the cluster are silent (their lease
 * ended, their agent dead or cut off from the registry) and may still serve their last map? While one
 * is, a hold would last until it surely cannot route the moved slots to the source — its
 * {@code unattendedMillis} past the stamp, 30 s by default (the cut-over's wait,
 * {@code MoveRegistryActivities.awaitProxies}); waiting before the hold for it to come back costs
 * nothing but time.
 */
@FunctionalInterface
public interface ProxyGate {
    /** Never waits (no registry at hand). */
    ProxyGate NONE = cluster -> List.of();

    /** The silent proxies of {@code cluster}, each named with how long it has been silent; empty when none. */
    List<String> silentProxies(String cluster);
}
