package io.cfgserver.registry.render;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.cfgserver.registry.topology.SlotRange;
import io.cfgserver.registry.topology.Slots;
import java.util.Set;
import java.util.TreeSet;

/**
 * Renders a cluster's slot map as a nutcracker (twemproxy 0.5.0) pool: a pure function of the
 * cluster, tested against golden files.
 *
 * <p>twemproxy has no slot table but can express one exactly (docs/slots.md): with
 * {@code hash: crc32a}, {@code hash_tag: "{}"} and {@code distribution: modula}, a key goes to
 * continuum point {@code crc32(tag-or-key) mod (sum of weights)}. Each maximal run of slots owned by
 * one group becomes one server line {@code master:port:<run length> <name>}; the weights sum to
 * 1024 and each line owns a contiguous block of points. twemproxy sorts server lines by name
 * before it builds the continuum, so names are the zero-padded start slot ({@code s0000},
 * {@code s0300}), which sort in slot order. {@code auto_eject_hosts} stays off: ejection would
 * re-hash keys onto other groups.
 */
public final class NutcrackerConfig {
    private NutcrackerConfig() {
    }

    /**
     * Where the slots of a fenced group are routed: nothing listens on port 1, so nutcracker answers
     * every request for them at once with {@code -ERR Connection refused}.
     */
    public static final Address FENCE = new Address("127.0.0.1", 1);

    /** The YAML of one pool, named after the cluster, listening on {@code listen}. */
    public static String render(Cluster cluster, Address listen, ProxySettings settings) {
        return render(cluster, listen, settings, Set.of());
    }

    /**
     * The same pool with the slots of the {@code fenced} groups routed to {@link #FENCE}: the other
     * groups keep serving through the proxy, the fenced ones answer errors.
     */
    public static String render(Cluster cluster, Address listen, ProxySettings settings, Set<String> fenced) {
        settings.validated();
        StringBuilder y = new StringBuilder();
        y.append("# cluster-[").append(cluster.name()).append("] topology version ").append(cluster.version())
                .append(". Rendered by cfgserver: do not edit.\n");
        if (!fenced.isEmpty()) {
            y.append("# fenced groups (routed to ").append(FENCE).append("): ").append(String.join(", ", new TreeSet<>(fenced)))
                    .append('\n');
        }
        y.append(cluster.name()).append(":\n");
        y.append("  listen: ").append(listen).append('\n');
        y.append("  hash: crc32a\n");
        y.append("  hash_tag: \"{}\"\n");
        y.append("  distribution: modula\n");
        y.append("  auto_eject_hosts: false\n");
        y.append("  redis: true\n");
        y.append("  backlog: ").append(settings.backlog()).append('\n');
        y.append("  preconnect: ").append(settings.preconnect()).append('\n');
        y.append("  timeout: ").append(settings.timeoutMillis()).append('\n');
        y.append("  server_retry_timeout: ").append(settings.serverRetryTimeoutMillis()).append('\n');
        y.append("  server_failure_limit: ").append(settings.serverFailureLimit()).append('\n');
        y.append("  server_connections: ").append(settings.serverConnections()).append('\n');
        if (settings.clientConnections() > 0) {
            y.append("  client_connections: ").append(settings.clientConnections()).append('\n');
        }
        y.append("  servers:\n");
        for (SlotRange run : cluster.slots().runs()) {
            Group owner = cluster.group(run.group()).orElseThrow(() -> new InvalidTopologyException(
                    Slots.logId(run.from()) + " is owned by group-[" + run.group() + "], which is not in "
                            + cluster.logId()));
            Address to = fenced.contains(owner.id()) ? FENCE : owner.master().address();
            y.append("   - ").append(to).append(':').append(run.length())
                    .append(' ').append(serverName(run.from())).append('\n');
        }
        return y.toString();
    }

    /** The name of the server line whose run starts at {@code slot}: sorts in slot order. */
    public static String serverName(int slot) {
        return String.format("s%04d", slot);
    }
}
