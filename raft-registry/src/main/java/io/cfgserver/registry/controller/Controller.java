package io.cfgserver.registry.controller;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.EndMaintenance;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Maintenance;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.ProxyFencing;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stop-loss, on the registry leader only: one tick loop that looks at every group (its master through
 * the {@link Detector}) and hands the work to do to the {@link FailoverDriver} (a failover to begin or
 * to drive) or to {@link ReplicaCare} (a healthy group), one piece of work per group at a time, off the
 * tick thread. It also watches proxy leases and ends expired maintenance windows. The parts get their
 * probes ({@link Probes}), Redis ({@link RedisOps}), peers ({@link PeerLink}) and time (a {@link Clock}
 * and a nanosecond source) from here, so each is unit-tested with fakes and a test clock.
 */
public final class Controller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    /**
     * How often a healthy group is cared for (bans, demotion, stamps): not every probe period; in a large
     * fleet each group once every millisecond times the number of groups (a second for 1,000 groups), so
     * the care of a fleet costs the same whatever its size.
     */
    static final long CARE_PERIOD_NANOS = 250_000_000L;
    static final long CARE_NANOS_PER_GROUP = 1_000_000L;

    private final RegistryClient registry;
    private final ControllerConfig config;
    private final Clock clock;
    private final LongSupplier nanos;
    private final ExecutorService workers;
    private final ExecutorService eventThread;
    /** What a failover does beside its main line (the promotion while the intent commits): never queued behind care. */
    private final ExecutorService sideTasks;
    private final Events events;
    private final Detector detector;
    private final ReplicaCare care;
    private final FailoverDriver failovers;
    private final DriftWatcher drift;
    private final Map<String, CompletableFuture<Void>> busy = new ConcurrentHashMap<>();
    /** Per group: when its peers were last asked about its master (nanos). */
    private final Map<String, Long> detectedAt = new ConcurrentHashMap<>();
    /** Per group: when it was last cared for (nanos). */
    private final Map<String, Long> caredAt = new ConcurrentHashMap<>();
    /** Proxies announced as past their lease (cluster/proxy). */
    private final Set<String> unmanaged = ConcurrentHashMap.newKeySet();
    /** Maintenance windows whose expiry was recorded (cluster/target@until). */
    private final Set<String> expired = ConcurrentHashMap.newKeySet();
    private volatile boolean leading;
    private Thread loop;
    private Thread driftLoop;

    public Controller(RegistryClient registry, Probes probes, PeerLink peers, ControllerConfig config, Clock clock,
            LongSupplier nanos, FaultHooks hooks) {
        this(registry, probes, peers, new RedisCommands((int) config.probeTimeout().toMillis() * 3, hooks), config, clock,
                nanos, hooks, Executors.newFixedThreadPool(4, r -> daemon(r, "controller-worker")),
                Executors.newSingleThreadExecutor(r -> daemon(r, "controller-events")),
                Executors.newCachedThreadPool(r -> daemon(r, "controller-redis")));
    }

    /** With every collaborator given (the unit tests pass fakes and direct executors). */
    Controller(RegistryClient registry, Probes probes, PeerLink peers, RedisOps redis, ControllerConfig config, Clock clock,
            LongSupplier nanos, FaultHooks hooks, ExecutorService workers, ExecutorService eventThread,
            ExecutorService sideTasks) {
        this.registry = registry;
        this.config = config;
        this.clock = clock;
        this.nanos = nanos;
        this.workers = workers;
        this.eventThread = eventThread;
        this.sideTasks = sideTasks;
        this.events = new Events(registry, clock, eventThread);
        this.detector = new Detector(probes, peers, config, nanos, events);
        this.care = new ReplicaCare(registry, probes, redis, config, clock, nanos);
        this.failovers = new FailoverDriver(registry, probes, redis, detector, care, config, clock, nanos, hooks, events,
                sideTasks, () -> leading);
        this.drift = new DriftWatcher(registry, redis, config.driftPeriod(), clock);
        Warmup.failoverPath();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Leader notifications: starts the loop on {@code true}, stops it on {@code false}. */
    public synchronized void leadership(boolean isLeader) {
        if (isLeader && !leading) {
            lead();
            loop = daemon(this::run, "controller");
            loop.start();
            driftLoop = daemon(drift, "controller-drift");
            driftLoop.start();
            LOG.info("+controller-start this peer leads: stop-loss active (after {} ms of fresh probes)",
                    config.tiltDuration().toMillis());
        } else if (!isLeader && leading) {
            leading = false;
            if (loop != null) {
                loop.interrupt();
            }
            if (driftLoop != null) {
                driftLoop.interrupt();
            }
            events.clearEpisodes();
            LOG.info("-controller-stop this peer no longer leads");
        }
    }

    /** Leading from now on, without the loop thread (the unit tests call {@link #tick} themselves). */
    void lead() {
        leading = true;
        // a new leader first watches a full tilt period before acting: its view starts now
        detector.lead(nanos.getAsLong());
        caredAt.clear();
    }

    public boolean active() {
        return leading;
    }

    /**
     * The tick runs four times per probe period: a master crosses its down threshold between two probes,
     * and a tick at the probe period would notice it up to a period later (50 ms on average at 100 ms).
     * A tick only reads the views and the local state, so it is cheap even for a large fleet.
     */
    static final int TICKS_PER_PROBE_PERIOD = 4;

    private void run() {
        long period = config.probePeriod().toNanos() / TICKS_PER_PROBE_PERIOD;
        long last = nanos.getAsLong();
        while (leading && !Thread.currentThread().isInterrupted()) {
            long now = nanos.getAsLong();
            step(last, now);
            last = now;
            try {
                Thread.sleep(Math.max(1, (period - (nanos.getAsLong() - now)) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One tick of the loop, {@code last} the previous one's time (a late tick enters TILT). */
    void step(long last, long now) {
        detector.ticked(last, now);
        try {
            tick(now);
        } catch (RuntimeException e) {
            LOG.warn("controller tick failed: {}", e.toString());
        }
    }

    // ---- the tick: look at every group, then act ---------------------------------------------------

    void tick(long now) {
        RegistryState state = registry.readLocal();
        watchLeases(state);
        expireMaintenance(state);
        int masters = 0;
        int mastersDown = 0;
        Map<String, Detector.Down> seen = new java.util.HashMap<>();
        for (Cluster c : state.clusters().values()) {
            for (Group g : c.groups()) {
                String key = Ids.group(c.name(), g.id());
                Detector.Down d = detector.monitor(c.name(), key, key, g.master().address(), c.policy());
                seen.put(key, d);
                masters++;
                if (d == Detector.Down.SILENT) {
                    // the breaker is about the controller's own network (timeouts everywhere); refusals are
                    // positive evidence that processes died, and each is failed over
                    mastersDown++;
                }
            }
        }
        if (detector.tilted(now)) {
            return;
        }
        // One dead master is a failover, whatever the fleet's size; the breaker needs at least two.
        double downShare = masters == 0 || mastersDown < 2 ? 0 : (double) mastersDown / masters;
        long carePeriod = Math.max(CARE_PERIOD_NANOS, masters * CARE_NANOS_PER_GROUP);
        for (Cluster c : state.clusters().values()) {
            for (Group g : c.groups()) {
                String key = Ids.group(c.name(), g.id());
                Detector.Down d = seen.getOrDefault(key, Detector.Down.UP);
                if (g.failover() != null) {
                    submit(key, () -> failovers.drive(c.name(), g.id()));
                } else if (d != Detector.Down.UP) {
                    // the peers are asked at most once per probe period (their views change no faster)
                    if (now - detectedAt.getOrDefault(key, Long.MIN_VALUE / 2) >= config.probePeriod().toNanos()
                            && submit(key, () -> failovers.detect(c.name(), g.id(), d, downShare))) {
                        detectedAt.put(key, now);
                    }
                } else if (now - caredAt.getOrDefault(key, Long.MIN_VALUE / 2) >= carePeriod
                        && submit(key, () -> care.maintain(c, g))) {
                    caredAt.put(key, now);
                }
            }
        }
    }

    /** Starts {@code work} for {@code key} unless work for it still runs; says whether it started. */
    private boolean submit(String key, Runnable work) {
        boolean[] started = {false};
        busy.compute(key, (k, running) -> {
            if (running != null && !running.isDone()) {
                return running;
            }
            started[0] = true;
            return CompletableFuture.runAsync(() -> {
                try {
                    if (leading) {
                        work.run();
                    }
                } catch (RuntimeException e) {
                    LOG.warn("controller work on {} failed: {}", k, e.toString());
                }
            }, workers);
        });
        return started[0];
    }

    /** Waits until no work runs and every event is recorded (the unit tests, between ticks). */
    void awaitIdle() {
        busy.values().forEach(f -> f.handle((v, x) -> null).join());
        try {
            eventThread.submit(() -> { }).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code +proxy-unmanaged} (or {@code +proxy-fenced} under strict fencing) once per proxy whose lease
     * ran out: it serves on without the registry; its agent records the end when it renews again.
     */
    private void watchLeases(RegistryState state) {
        long now = clock.millis();
        for (Cluster c : state.clusters().values()) {
            for (Proxy p : c.proxies()) {
                String k = c.name() + "/" + p.id();
                boolean over = p.servedVersion() > 0 && p.leaseEndMillis() <= now;
                if (!over) {
                    unmanaged.remove(k);
                } else if (unmanaged.add(k)) {
                    if (c.policy().proxyFencing() == ProxyFencing.STRICT) {
                        events.emit(c.name(), ControllerEvent.PROXY_FENCED, p.logId(), "lease ended without a renewal"
                                + " (strict fencing): its nutcracker is stopped");
                    } else {
                        events.emit(c.name(), ControllerEvent.PROXY_UNMANAGED, p.logId(), "lease ended without a renewal: "
                                + "it serves version " + p.servedVersion() + " without the registry"
                                + (c.policy().proxyFencing() == ProxyFencing.OFF ? " (proxy fencing off)"
                                        : ", fencing each group whose master no longer vouches for it"));
                    }
                }
            }
        }
    }

    /** Windows past their end are removed from the registry, once, with a {@code -maintenance} event. */
    private void expireMaintenance(RegistryState state) {
        long now = clock.millis();
        for (Cluster c : state.clusters().values()) {
            for (Maintenance m : c.maintenance()) {
                if (!m.activeAt(now) && expired.add(c.name() + "/" + m.target() + "@" + m.untilMillis())) {
                    eventThread.execute(() -> {
                        try {
                            registry.submit(new EndMaintenance(c.name(), m.target(), "expired", now));
                        } catch (RuntimeException e) {
                            expired.remove(c.name() + "/" + m.target() + "@" + m.untilMillis());
                            LOG.debug("ending the maintenance of {} failed: {}", m.target(), e.toString());
                        }
                    });
                }
            }
        }
    }

    /** Who hears of events and failover ends (metrics); {@link ControllerObserver#NONE} by default. */
    public Controller observe(ControllerObserver o) {
        events.observe(o);
        return this;
    }

    /** True while the controller is in tilt (acting on nothing after a late tick or taking the lead). */
    public boolean tilted() {
        return detector.tilted(nanos.getAsLong());
    }

    @Override
    public void close() {
        leadership(false);
        workers.shutdownNow();
        eventThread.shutdownNow();
        sideTasks.shutdownNow();
    }
}
