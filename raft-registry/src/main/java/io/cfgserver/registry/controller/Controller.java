package io.cfgserver.registry.controller;

import io.cfgserver.registry.client.ProxyBarrier;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.BeginFailover;
import io.cfgserver.registry.command.ClearStale;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.EndFailover;
import io.cfgserver.registry.command.PromoteReplica;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.SetReplicaBanned;
import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Failover;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.ProxyFencing;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stop-loss, on the registry leader only: one tick loop with a monitoring half (the prober's views,
 * subjective down) and an acting half (objective down confirmed by a majority of peers, failover,
 * bans, demotion of returning masters, switchovers). Every failover step is a registry command, so
 * a new leader resumes from what was committed; every Redis action is idempotent. Per group, one
 * piece of work runs at a time, off the tick thread.
 */
public final class Controller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

    private final RegistryClient registry;
    private final Prober prober;
    private final PeerLink peers;
    private final ControllerConfig config;
    private final Clock clock;
    private final LongSupplier nanos;
    private final FaultHooks hooks;
    private final RedisCommands redis;
    private final ExecutorService workers = Executors.newFixedThreadPool(4, r -> daemon(r, "controller-worker"));
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> daemon(r, "controller-events"));
    private final Map<String, CompletableFuture<Void>> busy = new ConcurrentHashMap<>();
    /** Per group key: the master seen subjectively down; absent when up. */
    private final Map<String, Address> sdownSince = new ConcurrentHashMap<>();
    private final Set<String> announced = ConcurrentHashMap.newKeySet();
    private final Map<String, String> masterSettings = new ConcurrentHashMap<>();
    private static final long STAMP_REFRESH_NANOS = 10_000_000_000L;
    /** Per group and master: the fencing stamp last written there. */
    private final Map<String, Stamped> stamped = new ConcurrentHashMap<>();
    /** Proxies announced as past their lease (cluster/proxy). */
    private final Set<String> unmanaged = ConcurrentHashMap.newKeySet();
    /** Per replica: since when (nanos) it has had a problem (down, out of sync, lagging). */
    private final Map<String, Long> replicaBadSince = new ConcurrentHashMap<>();
    private volatile boolean leading;
    private volatile long tiltUntilNanos;
    private Thread loop;
    private Thread driftLoop;
    private final DriftWatcher drift;

    public Controller(RegistryClient registry, Prober prober, PeerLink peers, ControllerConfig config, Clock clock,
            LongSupplier nanos, FaultHooks hooks) {
        this.registry = registry;
        this.prober = prober;
        this.peers = peers;
        this.config = config;
        this.clock = clock;
        this.nanos = nanos;
        this.hooks = hooks;
        this.redis = new RedisCommands((int) config.probeTimeout().toMillis() * 3, hooks);
        this.drift = new DriftWatcher(registry, redis, config.driftPeriod(), clock);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Leader notifications: starts the loop on {@code true}, stops it on {@code false}. */
    public synchronized void leadership(boolean isLeader) {
        if (isLeader && !leading) {
            leading = true;
            // a new leader first watches a full downAfter before acting: its view starts now
            tiltUntilNanos = nanos.getAsLong() + config.tiltDuration().toNanos();
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
            sdownSince.clear();
            announced.clear();
            LOG.info("-controller-stop this peer no longer leads");
        }
    }

    public boolean active() {
        return leading;
    }

    private void run() {
        long period = config.probePeriod().toNanos();
        long last = nanos.getAsLong();
        while (leading && !Thread.currentThread().isInterrupted()) {
            long now = nanos.getAsLong();
            if (now - last > config.tiltGap().toNanos()) {
                tiltUntilNanos = now + config.tiltDuration().toNanos();
                events.execute(() -> observed(() -> observer.event("", "+tilt")));
                LOG.warn("+tilt the controller's tick was late by {} ms: acting on nothing for {} ms",
                        (now - last) / 1_000_000, config.tiltDuration().toMillis());
            }
            last = now;
            try {
                tick(now);
            } catch (RuntimeException e) {
                LOG.warn("controller tick failed: {}", e.toString());
            }
            try {
                Thread.sleep(Math.max(1, (period - (nanos.getAsLong() - now)) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private boolean tilted(long now) {
        return now < tiltUntilNanos;
    }

    // ---- the tick: monitoring, then acting ----------------------------------------------------

    void tick(long now) {
        RegistryState state = registry.readLocal();
        int masters = 0;
        int mastersDown = 0;
        for (Cluster c : state.clusters().values()) {
            for (Group g : c.groups()) {
                masters++;
                if (prober.sdown(g.master().address(), c.policy().downAfterMillis())) {
                    mastersDown++;
                }
            }
        }
        watchLeases(state);
        // One dead master is a failover, whatever the fleet's size; the breaker needs at least two.
        double downShare = masters == 0 || mastersDown < 2 ? 0 : (double) mastersDown / masters;
        for (Cluster c : state.clusters().values()) {
            for (Group g : c.groups()) {
                monitor(c, g, now);
                if (!tilted(now)) {
                    act(c, g, now, downShare);
                }
            }
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
                        event(c.name(), "+proxy-fenced", p.logId(), "lease ended without a renewal (strict fencing):"
                                + " its nutcracker is stopped");
                    } else {
                        event(c.name(), "+proxy-unmanaged", p.logId(), "lease ended without a renewal: it serves version "
                                + p.servedVersion() + " without the registry" + (c.policy().proxyFencing() == ProxyFencing.OFF
                                        ? " (proxy fencing off)" : ", fencing each group whose master no longer vouches for it"));
                    }
                }
            }
        }
    }

    private static String key(Cluster c, Group g) {
        return c.name() + "/" + g.id();
    }

    /** Subjective down of the master: events on entering and leaving it. */
    private void monitor(Cluster c, Group g, long now) {
        String k = key(c, g);
        boolean down = prober.sdown(g.master().address(), c.policy().downAfterMillis());
        if (down && sdownSince.putIfAbsent(k, g.master().address()) == null) {
            event(c.name(), "+sdown", g.master().address().logId(), "master of " + g.logId() + ", no valid reply for "
                    + c.policy().downAfterMillis() + " ms");
        } else if (!down) {
            Address was = sdownSince.remove(k);
            if (was != null) {
                announced.removeIf(a -> a.startsWith(k + "|"));
                if (was.equals(g.master().address())) {
                    event(c.name(), "-sdown", was.logId(), "master of " + g.logId() + " answers again");
                }
            }
        }
    }

    private void act(Cluster c, Group g, long now, double downShare) {
        String k = key(c, g);
        if (g.failover() != null) {
            submit(k, () -> drive(c.name(), g.id()));
        } else if (sdownSince.containsKey(k)) {
            submit(k, () -> detect(c.name(), g.id(), downShare));
        } else {
            submit(k, () -> maintain(c.name(), g.id()));
        }
    }

    private void submit(String key, Runnable work) {
        busy.compute(key, (k, running) -> {
            if (running != null && !running.isDone()) {
                return running;
            }
            return CompletableFuture.runAsync(() -> {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    LOG.warn("controller work on {} failed: {}", k, e.toString());
                }
            }, workers);
        });
    }

    private Optional<Group> current(String cluster, String group) {
        return registry.readLocal().cluster(cluster).flatMap(c -> c.group(group));
    }

    private Policy policy(String cluster) {
        return registry.readLocal().cluster(cluster).map(Cluster::policy).orElse(Policy.defaults());
    }

    /** Says something once per down episode of a group (the key includes the episode's reason). */
    private void once(String cluster, Group g, String type, String message) {
        if (announced.add(cluster + "/" + g.id() + "|" + type)) {
            event(cluster, type, g.logId(), message);
        }
    }

    // ---- detection: subjective -> objective down -> failover -----------------------------------

    private void detect(String cluster, String groupId, double downShare) {
        Group g = current(cluster, groupId).orElse(null);
        if (g == null || g.failover() != null || !leading) {
            return;
        }
        Policy policy = policy(cluster);
        long t0 = nanos.getAsLong();
        int agree = objectivelyDown(g.master().address(), policy.downAfterMillis());
        int quorum = peers.members().size() / 2 + 1;
        if (agree < quorum) {
            once(cluster, g, "-odown-not-confirmed", "only " + agree + " of " + peers.members().size()
                    + " peers see " + g.master().address() + " down (quorum " + quorum + "): no failover");
            return;
        }
        long odownAt = nanos.getAsLong();
        once(cluster, g, "+odown", g.master().address() + " down for " + agree + "/" + peers.members().size() + " peers");
        if (!policy.autoFailover()) {
            once(cluster, g, "-failover-abort-auto-failover-off", "automatic failover is off for this cluster");
            return;
        }
        boolean ownsSlots = registry.readLocal().cluster(cluster).map(c -> c.slots().owningGroups().contains(groupId))
                .orElse(true);
        if (!ownsSlots) {
            // it serves no client, and the new group of a split is a replica of its source on purpose (its master
            // may not answer while it loads the full sync): nothing to fail over
            once(cluster, g, "-failover-abort-no-slots", g.logId() + " owns no slots: no failover");
            return;
        }
        if (downShare > policy.fleetBreakerShare()) {
            once(cluster, g, "-failover-abort-fleet-breaker", String.format("%.0f%% of all masters look down (breaker at"
                    + " %.0f%%): the controller's network is suspect, not Redis", downShare * 100,
                    policy.fleetBreakerShare() * 100));
            return;
        }
        long windowStart = clock.millis() - policy.failoverWindowMillis();
        long recent = g.history().stream().filter(h -> !h.planned() && h.outcome().equals("done")
                && h.endedMillis() >= windowStart).count();
        if (recent >= policy.maxFailoversPerWindow()) {
            once(cluster, g, "-failover-abort-rate-limit", recent + " failovers in the last "
                    + policy.failoverWindowMillis() + " ms (max " + policy.maxFailoversPerWindow() + ")");
            return;
        }
        List<Ranking.Candidate> assessed = Ranking.assess(g, r -> prober.view(r.address()), nanos.getAsLong(),
                policy.downAfterMillis(), Math.max(10_000, policy.downAfterMillis() * 10));
        if (policy.proxyFencing() == ProxyFencing.PER_GROUP) {
            assessed = Ranking.require(assessed, r -> notNamedInStamp(cluster, g, r));
        }
        Optional<Ranking.Candidate> best = Ranking.best(assessed);
        if (best.isEmpty()) {
            once(cluster, g, "-failover-abort-no-good-replica", Ranking.reasons(assessed));
            return;
        }
        Address candidate = best.get().replica().address();
        submitCommand(new BeginFailover(cluster, groupId, g.epoch() + 1, candidate,
                "odown " + agree + "/" + peers.members().size(), clock.millis()));
        long intentAt = nanos.getAsLong();
        hooks.step(FaultHooks.AFTER_BEGIN);
        timings.put(cluster + "/" + groupId, new long[] {t0, odownAt, intentAt, 0, 0});
        drive(cluster, groupId);
    }

    /**
     * Why a replica may not be promoted without a write pause under per-group proxy fencing: its copy
     * of its master's fencing stamp must name it, so that every proxy cut off from the registry
     * watches it and fences the group once it is promoted (docs/agent.md). Null when it may.
     */
    private String notNamedInStamp(String cluster, Group g, Instance replica) {
        try {
            Optional<FencingStamp> s = redis.readStamp(replica.address());
            if (s.isPresent() && s.get().names(cluster, g.id(), g.epoch(), replica.address())) {
                return null;
            }
            return "not named in its copy of the master's fencing stamp ("
                    + s.map(x -> "epoch " + x.epoch() + ", names " + x.replicas()).orElse("none") + ", the group has epoch "
                    + g.epoch() + "): a proxy cut off from the registry would not notice its promotion";
        } catch (RuntimeException e) {
            return "its fencing stamp cannot be read: " + e.getMessage();
        }
    }

    /**
     * How many peers (this one included) see the master down; the others are asked in parallel.
     * This peer has seen no valid reply for {@code downAfter}; another peer agrees when it has seen
     * none for half of that: their probes run on their own schedule, and demanding the full
     * {@code downAfter} from each would add up to a probe period per peer to every failover. A peer
     * that still reaches the master (the leader is the one cut off) has a silence of about one
     * probe period and does not agree.
     */
    private int objectivelyDown(Address master, long downAfterMillis) {
        int agree = prober.sdown(master, downAfterMillis) ? 1 : 0;
        long peerThreshold = downAfterMillis / 2;
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (String p : peers.members()) {
            if (!p.equals(peers.selfId())) {
                answers.add(peers.ask(p, "sdown " + master + " " + peerThreshold)
                        .orTimeout(config.odownTimeout().toMillis(), TimeUnit.MILLISECONDS));
            }
        }
        for (CompletableFuture<String> a : answers) {
            try {
                if (a.join().startsWith("down")) {
                    agree++;
                }
            } catch (RuntimeException e) {
                // a peer that does not answer does not agree
            }
        }
        return agree;
    }

    // ---- the failover state machine: one method per state --------------------------------------

    /** Per group: nanos of detection, objective down, intent, promoted, committed (for the breakdown). */
    private final Map<String, long[]> timings = new ConcurrentHashMap<>();

    private void drive(String cluster, String groupId) {
        for (int step = 0; step < 10 && leading; step++) {
            Group g = current(cluster, groupId).orElse(null);
            if (g == null || g.failover() == null) {
                return;
            }
            Failover f = g.failover();
            boolean progressed = switch (f.state()) {
                case SWITCHOVER_REQUESTED -> switchoverRequested(cluster, g, f);
                case PROMOTING -> f.planned() ? promotingPlanned(cluster, g, f) : promoting(cluster, g, f);
                case REPOINTING -> repointing(cluster, g, f);
            };
            if (!progressed) {
                return;
            }
        }
    }

    private boolean promoting(String cluster, Group g, Failover f) {
        applyDesiredConfig(cluster, g, f);
        try {
            redis.promote(f.candidate());
        } catch (RuntimeException e) {
            if (clock.millis() - f.stateMillis() > config.promoteTimeout().toMillis()) {
                abort(cluster, g, f, "promotion-failed", e.toString());
            }
            return false;
        }
        hooks.step(FaultHooks.AFTER_PROMOTE_REDIS);
        long[] t = timings.get(cluster + "/" + g.id());
        if (t != null) {
            t[3] = nanos.getAsLong();
        }
        submitCommand(new PromoteReplica(cluster, g.id(), f.epoch(), clock.millis()));
        if (t != null) {
            t[4] = nanos.getAsLong();
        }
        hooks.step(FaultHooks.AFTER_COMMIT_MASTER);
        return true;
    }

    private boolean switchoverRequested(String cluster, Group g, Failover f) {
        Address target = f.candidate();
        if (target == null) {
            Policy policy = policy(cluster);
            List<Ranking.Candidate> assessed = Ranking.assess(g, r -> prober.view(r.address()), nanos.getAsLong(),
                    policy.downAfterMillis(), Math.max(10_000, policy.downAfterMillis() * 10));
            Optional<Ranking.Candidate> best = Ranking.best(assessed);
            if (best.isEmpty()) {
                abort(cluster, g, f, "no-good-replica", Ranking.reasons(assessed));
                return false;
            }
            target = best.get().replica().address();
        }
        submitCommand(new BeginFailover(cluster, g.id(), f.epoch(), target, "switchover", clock.millis()));
        return true;
    }

    /** Planned: FAILOVER TO on the old master, which pauses writes until the target has everything. */
    private boolean promotingPlanned(String cluster, Group g, Failover f) {
        applyDesiredConfig(cluster, g, f);
        try {
            String info = redis.info(f.candidate());
            if (!Prober.parse(info, 0).isMaster()) {
                redis.failoverTo(f.oldMaster(), f.candidate(), config.switchoverTimeout().toMillis());
                long deadline = System.nanoTime() + config.switchoverTimeout().toNanos() + 2_000_000_000L;
                while (!Prober.parse(redis.info(f.candidate()), 0).isMaster()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(f.candidate() + " did not become master");
                    }
                    Thread.sleep(5);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (RuntimeException e) {
            if (!candidateIsMaster(f.candidate())) {
                abort(cluster, g, f, "switchover-failed", e.getMessage());
                return false;
            }
            // Redis switched after all (the wait timed out late): commit what Redis did
        }
        submitCommand(new PromoteReplica(cluster, g.id(), f.epoch(), clock.millis()));
        return true;
    }

    /** Failovers ({@code cluster/group/epoch}) whose candidate got the rolled-out config: once each, not per retry. */
    private final Set<String> configApplied = ConcurrentHashMap.newKeySet();

    /**
     * The rolled-out config on the replica about to be promoted, before it serves as master: one
     * {@code CONFIG SET} per failover (it normally has the values already, and a retry of the
     * promotion does not repeat it); {@code CONFIG REWRITE} waits until after the commit
     * ({@link #persistDesiredConfig}). Skipped while a config-rollout runs: the candidate then holds
     * either the version being rolled out or the one the rollout will replace, and the rollout sees to
     * it. A refusal does not stop the failover: it is reported, and drift checks report the instance.
     */
    private void applyDesiredConfig(String cluster, Group g, Failover f) {
        Map<String, String> values = desiredConfig(cluster, g, f.candidate());
        if (values.isEmpty() || !configApplied.add(cluster + "/" + g.id() + "/" + f.epoch())) {
            return;
        }
        try {
            List<String> pairs = new ArrayList<>();
            values.forEach((k, v) -> {
                pairs.add(k);
                pairs.add(v);
            });
            redis.configSet(f.candidate(), pairs.toArray(String[]::new));
        } catch (RuntimeException e) {
            event(cluster, "-config-apply-failed", f.candidate().logId(), "before its promotion in " + g.logId() + ": "
                    + e.getMessage());
        }
    }

    /** After the commit: the promoted master's config written to its file (once per failover). */
    private void persistDesiredConfig(String cluster, Group g, Failover f) {
        Map<String, String> values = desiredConfig(cluster, g, f.candidate());
        if (values.isEmpty() || !configApplied.remove(cluster + "/" + g.id() + "/" + f.epoch())) {
            return;
        }
        try {
            redis.applyConfig(f.candidate(), values);
        } catch (RuntimeException e) {
            LOG.debug("persisting the config of {} failed (drift checks report it): {}", f.candidate(), e.toString());
        }
    }

    private Map<String, String> desiredConfig(String cluster, Group g, Address candidate) {
        RegistryState state = registry.readLocal();
        boolean rolling = state.jobsOf(cluster).stream()
                .anyMatch(j -> !j.state().terminal() && j.type().equals("config-rollout"));
        if (rolling) {
            return Map.of();
        }
        return state.cluster(cluster).map(c -> c.config().rolledOutVersion().redisFor(g.id(), candidate))
                .orElse(Map.of());
    }

    private boolean candidateIsMaster(Address candidate) {
        try {
            return Prober.parse(redis.info(candidate), 0).isMaster();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** After the commit point: re-point the replicas, fence the old master, wait for the proxies. */
    private boolean repointing(String cluster, Group g, Failover f) {
        Address master = g.master().address();
        persistDesiredConfig(cluster, g, f);
        // the new master's stamp first: the replicas re-pointed next copy it
        registry.readLocal().cluster(cluster).ifPresent(c -> applyStamp(c, g));
        for (Instance r : g.replicas()) {
            try {
                ProbeResult p = prober.view(r.address()).map(Prober.View::last).orElse(null);
                if (p == null || !p.isReplicaOf(master)) {
                    redis.replicaOf(r.address(), master);
                }
            } catch (RuntimeException e) {
                LOG.debug("re-pointing {} failed (the maintenance loop retries): {}", r.address(), e.toString());
            }
        }
        applyMasterSettings(cluster, g);
        long version = registry.readLocal().cluster(cluster).map(Cluster::version).orElse(0L);
        String proxies = "all proxies on version " + version;
        try {
            ProxyBarrier.await(registry, cluster, version, config.proxyWait(), clock);
        } catch (ProxyBarrier.ProxiesLagException e) {
            proxies = e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        long acked = nanos.getAsLong();
        long[] t = timings.remove(cluster + "/" + g.id());
        String breakdown = t == null || t[4] == 0 ? "" : String.format(
                "; detection->odown %d ms, odown->intent %d ms, intent->promoted %d ms, promoted->committed %d ms, "
                        + "committed->proxies %d ms, detection->proxies %d ms",
                (t[1] - t[0]) / 1_000_000, (t[2] - t[1]) / 1_000_000, (t[3] - t[2]) / 1_000_000,
                (t[4] - t[3]) / 1_000_000, (acked - t[4]) / 1_000_000, (acked - t[0]) / 1_000_000);
        submitCommand(new EndFailover(cluster, g.id(), f.epoch(), false, "done", clock.millis()));
        long took = t == null ? -1 : acked - t[0];
        events.execute(() -> observed(() -> observer.failoverEnded(cluster, f.planned(), "done", took)));
        LOG.info("+failover-end {} {} -> {} epoch {}: {}{}", g.logId(), f.oldMaster(), master, f.epoch(), proxies, breakdown);
        event(cluster, "+failover-timings", g.logId(), proxies + breakdown);
        return false;
    }

    private void abort(String cluster, Group g, Failover f, String outcome, String why) {
        if (!f.state().abortable()) {
            throw new IllegalStateException("abort after the commit point of " + g.logId() + ": a bug");
        }
        LOG.warn("-failover-abort-{} {} epoch {}: {}", outcome, g.logId(), f.epoch(), why);
        submitCommand(new EndFailover(cluster, g.id(), f.epoch(), true, outcome, clock.millis()));
        event(cluster, "-failover-abort-" + outcome, g.logId(), why == null ? "" : why);
        long[] t = timings.remove(cluster + "/" + g.id());
        long took = t == null ? -1 : nanos.getAsLong() - t[0];
        events.execute(() -> observed(() -> observer.failoverEnded(cluster, f.planned(), outcome, took)));
        configApplied.remove(cluster + "/" + g.id() + "/" + f.epoch());
    }

    // ---- maintenance: bans, demotion of former masters, replicas follow the master -------------

    private void maintain(String cluster, String groupId) {
        Group g = current(cluster, groupId).orElse(null);
        if (g == null || g.failover() != null || !leading) {
            return;
        }
        Policy policy = policy(cluster);
        Address master = g.master().address();
        Optional<Prober.View> mv = prober.view(master);
        long fresh = 3 * config.probePeriod().toNanos();
        if (mv.isEmpty() || mv.get().last() == null || !mv.get().last().isMaster()
                || mv.get().silentNanos(nanos.getAsLong()) > fresh) {
            // master not confirmed healthy just now: replicas that lost it are not to blame
            replicaBadSince.keySet().removeIf(k -> k.startsWith(cluster + "/" + groupId + "/"));
            return;
        }
        long masterOffset = mv.get().last().offset();
        applyMasterSettings(cluster, g);
        registry.readLocal().cluster(cluster).ifPresent(c -> applyStamp(c, g));
        long now = nanos.getAsLong();
        for (Instance r : g.replicas()) {
            Prober.View v = prober.view(r.address()).orElse(null);
            ProbeResult p = v == null ? null : v.last();
            boolean reachable = p != null && p.ok() && v.silentNanos(now) <= policy.downAfterMillis() * 1_000_000L;
            if (reachable && !p.isReplicaOf(master)) {
                try {
                    redis.replicaOf(r.address(), master);
                    if (r.stale()) {
                        LOG.info("+demote {} former master of {} now replicates {}", r.address().logId(), g.logId(), master);
                    } else {
                        LOG.info("+repoint {} of {} now replicates {}", r.address().logId(), g.logId(), master);
                    }
                } catch (RuntimeException e) {
                    LOG.debug("REPLICAOF on {} failed: {}", r.address(), e.toString());
                }
                continue;
            }
            boolean synced = reachable && p.isReplicaOf(master) && p.linkUp();
            if (r.stale()) {
                if (synced) {
                    submitCommand(new ClearStale(cluster, groupId, r.address(), clock.millis()));
                }
                continue;
            }
            long lag = synced && masterOffset >= 0 && p.offset() >= 0 ? Math.max(0, masterOffset - p.offset()) : -1;
            String problem = !reachable ? "down: no valid reply for " + policy.downAfterMillis() + " ms"
                    : !synced ? "not in sync with " + master
                    : lag > policy.replicaMaxLagBytes() ? "lags " + lag + " bytes (max " + policy.replicaMaxLagBytes() + ")"
                    : null;
            // a problem must last downAfter before it bans (a new replica is out of sync for a moment)
            String badKey = cluster + "/" + groupId + "/" + r.address();
            long bad = problem == null ? 0 : replicaBadSince.computeIfAbsent(badKey, k -> now);
            if (problem == null) {
                replicaBadSince.remove(badKey);
            }
            if (problem != null && !r.banned() && policy.autoBan() && now - bad > policy.downAfterMillis() * 1_000_000L) {
                submitCommand(new SetReplicaBanned(cluster, groupId, r.address(), true, problem, clock.millis()));
            } else if (problem == null && r.banned()) {
                submitCommand(new SetReplicaBanned(cluster, groupId, r.address(), false,
                        "caught up with " + master + (lag >= 0 ? " (lag " + lag + " bytes)" : ""), clock.millis()));
            }
        }
    }

    /**
     * The group as committed, stamped on its master (docs/agent.md): written when it changed and
     * again every {@link #STAMP_REFRESH_NANOS}, in case the database was flushed.
     */
    private void applyStamp(Cluster c, Group g) {
        FencingStamp stamp = FencingStamp.of(c, g);
        String text = stamp.encode();
        String k = c.name() + "/" + g.id() + "@" + g.master().address();
        long now = nanos.getAsLong();
        Stamped last = stamped.get(k);
        if (last != null && last.text().equals(text) && now - last.atNanos() < STAMP_REFRESH_NANOS) {
            return;
        }
        try {
            if (c.migrations().stream().anyMatch(m -> m.source().equals(g.id()))) {
                // a move's cut-over writes the stamp of the version it is about to commit: never step back over it
                Optional<FencingStamp> there = redis.readStamp(g.master().address());
                if (there.isPresent() && there.get().version() > c.version() && there.get().epoch() == g.epoch()) {
                    return;
                }
            }
            redis.writeStamp(g.master().address(), stamp);
            stamped.put(k, new Stamped(text, now));
        } catch (RuntimeException e) {
            LOG.debug("stamping {} failed: {}", g.master().address(), e.toString());
        }
    }

    private record Stamped(String text, long atNanos) {
    }

    /** min-replicas-to-write / min-replicas-max-lag on the master, when the policy asks for them. */
    private void applyMasterSettings(String cluster, Group g) {
        boolean moving = registry.readLocal().cluster(cluster)
                .map(c -> c.migrations().stream().anyMatch(m -> m.source().equals(g.id()))).orElse(false);
        if (moving) {
            // a move's cut-over fences its source with min-replicas-to-write: never lift that here
            return;
        }
        Policy p = policy(cluster);
        String want = p.minReplicasToWrite() + "/" + p.minReplicasMaxLagSeconds();
        String k = cluster + "/" + g.id() + "@" + g.master().address();
        if (want.equals(masterSettings.get(k)) || (p.minReplicasToWrite() == 0 && !masterSettings.containsKey(k))) {
            return;
        }
        try {
            redis.configSet(g.master().address(), "min-replicas-to-write", Integer.toString(p.minReplicasToWrite()),
                    "min-replicas-max-lag", Integer.toString(p.minReplicasMaxLagSeconds()));
            masterSettings.put(k, want);
        } catch (RuntimeException e) {
            LOG.debug("CONFIG SET on {} failed: {}", g.master().address(), e.toString());
        }
    }

    // ---- registry writes -----------------------------------------------------------------------

    private void submitCommand(Command c) {
        registry.submit(c);
    }

    private volatile ControllerObserver observer = ControllerObserver.NONE;

    /** Who hears of events and failover ends (metrics); {@link ControllerObserver#NONE} by default. */
    public Controller observe(ControllerObserver o) {
        this.observer = o == null ? ControllerObserver.NONE : o;
        return this;
    }

    /** True while the controller is in tilt (acting on nothing after a late tick or taking the lead). */
    public boolean tilted() {
        return tilted(nanos.getAsLong());
    }

    private void observed(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.debug("controller observer failed: {}", e.toString());
        }
    }

    /** Events off the critical path: recorded asynchronously, in order. */
    private void event(String cluster, String type, String subject, String message) {
        long at = clock.millis();
        LOG.info("{} {} {}", type, subject, message);
        events.execute(() -> {
            observed(() -> observer.event(cluster, type)); // off the critical path, like the recording
            try {
                registry.submit(new RecordEvent(cluster, type, subject, message, at));
            } catch (RuntimeException e) {
                LOG.debug("event {} not recorded: {}", type, e.toString());
            }
        });
    }

    @Override
    public void close() {
        leadership(false);
        workers.shutdownNow();
        events.shutdownNow();
    }
}
