package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.RegistryState;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * Probes every instance of every cluster (PING + INFO replication, pipelined, one connection per
 * instance) on a fixed period. Runs on every peer: the leader acts on its own view, the followers'
 * views confirm a master's failure. One probe per instance is in flight at a time, so results
 * arrive in order.
 */
public final class Prober implements Probes, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Prober.class);

    /** What is known of one instance: since when it is tracked, its last valid reply and last result. */
    public record View(long sinceNanos, long lastOkNanos, ProbeResult last, Usage usage) {
        /** Without usage (not read yet). */
        public View(long sinceNanos, long lastOkNanos, ProbeResult last) {
            this(sinceNanos, lastOkNanos, last, null);
        }

        /** Nanoseconds without a valid reply (since tracking started when there never was one). */
        public long silentNanos(long now) {
            return now - Math.max(sinceNanos, lastOkNanos);
        }
    }

    private final Supplier<RegistryState> state;
    private final ControllerConfig config;
    private final LongSupplier nanos;
    private final FaultHooks hooks;
    private final Map<Address, Tracked> tracked = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "prober-timer"));
    private final ExecutorService pool = Executors.newFixedThreadPool(8, r -> daemon(r, "prober"));

    /**
     * What an instance uses, read with {@code INFO memory} and {@code INFO clients} at most every
     * {@link #USAGE_PERIOD_NANOS} (not on every probe: the probe stays cheap); -1 where unknown.
     */
    public record Usage(long atNanos, long usedMemoryBytes, long maxMemoryBytes, long connectedClients) {
    }

    static final long USAGE_PERIOD_NANOS = 5_000_000_000L;

    private final class Tracked {
        final Address address;
        final long since;
        volatile long lastOk;
        volatile ProbeResult last;
        volatile Usage usage;
        long usageDueNanos;
        volatile boolean inFlight;
        Jedis jedis;

        Tracked(Address address, long since) {
            this.address = address;
            this.since = since;
        }
    }

    public Prober(Supplier<RegistryState> state, ControllerConfig config, LongSupplier nanos, FaultHooks hooks) {
        this.state = state;
        this.config = config;
        this.nanos = nanos;
        this.hooks = hooks;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public Prober start() {
        long period = config.probePeriod().toMillis();
        timer.scheduleAtFixedRate(this::round, 0, period, TimeUnit.MILLISECONDS);
        return this;
    }

    private void round() {
        try {
            Set<Address> wanted = new HashSet<>();
            for (Cluster c : state.get().clusters().values()) {
                c.instances().map(Instance::address).forEach(wanted::add);
            }
            long now = nanos.getAsLong();
            for (Address a : wanted) {
                Tracked t = tracked.computeIfAbsent(a, x -> new Tracked(x, now));
                if (!t.inFlight) {
                    t.inFlight = true;
                    pool.execute(() -> probe(t));
                }
            }
            tracked.keySet().removeIf(a -> {
                if (wanted.contains(a)) {
                    return false;
                }
                Tracked t = tracked.get(a);
                pool.execute(() -> closeQuietly(t));
                return true;
            });
        } catch (RuntimeException e) {
            LOG.warn("probe round failed", e);
        }
    }

    private volatile ControllerObserver observer = ControllerObserver.NONE;

    /** Who hears of every probe (metrics); {@link ControllerObserver#NONE} by default. */
    public Prober observe(ControllerObserver o) {
        this.observer = o == null ? ControllerObserver.NONE : o;
        return this;
    }

    private void probe(Tracked t) {
        try {
            long t0 = nanos.getAsLong();
            ProbeResult r = probeOnce(t);
            t.last = r;
            if (r.ok()) {
                t.lastOk = r.atNanos();
            }
            try { // after the result is visible: the observer never delays detection
                observer.probed(t.address, r.ok(), r.atNanos() - t0);
            } catch (RuntimeException e) {
                LOG.debug("probe observer failed: {}", e.toString());
            }
        } finally {
            t.inFlight = false;
        }
    }

    private ProbeResult probeOnce(Tracked t) {
        if (hooks.blackholed() || hooks.unreachable(t.address)) {
            closeQuietly(t);
            return ProbeResult.failed(nanos.getAsLong(), "probes blackholed (test hook)");
        }
        try {
            if (t.jedis == null) {
                int timeout = (int) config.probeTimeout().toMillis();
                t.jedis = new Jedis(new HostAndPort(t.address.host(), t.address.port()), DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis(timeout).socketTimeoutMillis(timeout)
                        .protocol(redis.clients.jedis.RedisProtocol.RESP2).build());
            }
            String pong = t.jedis.ping();
            String info = t.jedis.info("replication");
            long at = nanos.getAsLong();
            if (!"PONG".equals(pong)) {
                return ProbeResult.failed(at, "PING answered " + pong);
            }
            ProbeResult r = parse(info, at);
            if (at - t.usageDueNanos >= 0) {
                t.usageDueNanos = at + USAGE_PERIOD_NANOS;
                try {
                    t.usage = parseUsage(t.jedis.info("memory") + "\n" + t.jedis.info("clients"), nanos.getAsLong());
                } catch (RuntimeException e) {
                    closeQuietly(t); // the probe itself was answered: it stands; the next one reconnects
                }
            }
            return r;
        } catch (RuntimeException e) {
            closeQuietly(t);
            return ProbeResult.failed(nanos.getAsLong(), e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The {@code field:value} lines of an INFO answer (section headers skipped). */
    static Map<String, String> infoFields(String info) {
        Map<String, String> f = new java.util.HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                f.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return f;
    }

    static ProbeResult parse(String info, long at) {
        Map<String, String> f = infoFields(info);
        String role = f.getOrDefault("role", "unknown");
        if (role.equals("slave")) {
            Address master = null;
            try {
                master = new Address(f.get("master_host"), Integer.parseInt(f.getOrDefault("master_port", "0")));
            } catch (RuntimeException e) {
                // not known yet
            }
            boolean up = "up".equals(f.get("master_link_status"));
            long downSince = parseLong(f.get("master_link_down_since_seconds"), -1);
            return new ProbeResult(true, at, role, master, up, downSince, parseLong(f.get("slave_repl_offset"), -1), null);
        }
        return new ProbeResult(true, at, role, null, false, -1, parseLong(f.get("master_repl_offset"), -1), null);
    }

    static Usage parseUsage(String info, long at) {
        Map<String, String> f = infoFields(info);
        return new Usage(at, parseLong(f.get("used_memory"), -1), parseLong(f.get("maxmemory"), -1),
                parseLong(f.get("connected_clients"), -1));
    }

    private static long parseLong(String s, long fallback) {
        try {
            return s == null ? fallback : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static void closeQuietly(Tracked t) {
        Jedis j = t.jedis;
        t.jedis = null;
        if (j != null) {
            try {
                j.close();
            } catch (RuntimeException e) {
                // already broken
            }
        }
    }

    /** The view of an instance, or empty if it is not (yet) probed. */
    @Override
    public java.util.Optional<View> view(Address address) {
        Tracked t = tracked.get(address);
        return t == null ? java.util.Optional.empty() : java.util.Optional.of(new View(t.since, t.lastOk, t.last, t.usage));
    }

    /** Subjectively down: no valid reply for longer than {@code downAfterMillis} (unknown instances are not down). */
    @Override
    public boolean sdown(Address address, long downAfterMillis) {
        return view(address).map(v -> v.silentNanos(nanos.getAsLong()) > downAfterMillis * 1_000_000L).orElse(false);
    }

    /** Placeholder until the prober classifies failures (merge of the fleet branch replaces it). */
    @Override
    public boolean refusedDown(Address address, long refusedAfterMillis) {
        return false;
    }

    /** The answer to another peer's {@link PeerQuestion}. */
    public String answer(String question) {
        return PeerQuestion.answer(this, nanos, question);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        pool.shutdownNow();
        tracked.values().forEach(Prober::closeQuietly);
    }
}
