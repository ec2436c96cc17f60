package io.cfgserver.activities.registry;

import io.cfgserver.activities.migration.ProxyGate;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.ProxyFencing;
import java.time.Clock;
import java.util.List;

/**
 * {@link ProxyGate} from this peer's applied state: proxies that served a map and whose lease has
 * ended, under a fencing that lets them serve on ({@code per-group}, {@code off}). A stale read only
 * shortens or lengthens the wait; the cut-over's own wait is what keeps the moved slots safe.
 */
public final class SilentProxyGate implements ProxyGate {
    private final RegistryClient registry;
    private final Clock clock;

    public SilentProxyGate(RegistryClient registry) {
        this(registry, Clock.systemUTC());
    }

    SilentProxyGate(RegistryClient registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public List<String> silentProxies(String cluster) {
        Cluster c = registry.readLocal().cluster(cluster).orElse(null);
        if (c == null || c.policy().proxyFencing() == ProxyFencing.STRICT) {
            return List.of();
        }
        long now = clock.millis();
        return c.proxies().stream().filter(p -> p.servedVersion() > 0 && p.leaseEndMillis() <= now)
                .map(p -> p.logId() + " (silent for " + (now - p.leaseEndMillis()) + " ms)").toList();
    }
}
