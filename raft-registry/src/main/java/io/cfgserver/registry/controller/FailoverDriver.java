package io.cfgserver.registry.controller;

import io.cfgserver.registry.client.ProxyBarrier;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.BeginFailover;
import io.cfgserver.registry.command.EndFailover;
import io.cfgserver.registry.command.PromoteReplica;
import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Failover;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Maintenance;
import io.cfgserver.registry.topology.Policy;
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
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failover state machine (docs/failover.md): whether to begin one (the safety valves, the replica
 * choice), then one method per persisted state. Every step is a registry command, so a new leader resumes
 * from what was committed; every Redis action is idempotent. Abort is legal only before the commit point
 * ({@code PromoteReplica}).
 */
final class FailoverDriver {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

    private final RegistryClient registry;
    private final Probes probes;
    private final RedisOps redis;
    private final Detector detector;
    private final ReplicaCare care;
    private final ControllerConfig config;
    private final Clock clock;
    private final LongSupplier nanos;
    private final FaultHooks hooks;
    private final Events events;
    private final Executor async;
    private final BooleanSupplier leading;
    /** Per group: nanos of detection, objective down, intent, promoted, committed (for the breakdown). */
    private final Map<String, long[]> timings = new ConcurrentHashMap<>();
    /** Failovers ({@code cluster/group/epoch}) whose candidate got the rolled-out config: once each, not per retry. */
    private final Set<String> configApplied = ConcurrentHashMap.newKeySet();
    /** Failovers ({@code group@epoch}) whose candidate answered REPLICAOF NO ONE while the intent committed. */
    private final Set<String> promoted = ConcurrentHashMap.newKeySet();
    /** Failovers ({@code group@epoch}) holding the recording of events until their commit point. */
    private final Set<String> holding = ConcurrentHashMap.newKeySet();

    FailoverDriver(RegistryClient registry, Probes probes, RedisOps redis, Detector detector, ReplicaCare care,
            ControllerConfig config, Clock clock, LongSupplier nanos, FaultHooks hooks, Events events, Executor async,
            BooleanSupplier leading) {
        this.registry = registry;
        this.probes = probes;
        this.redis = redis;
        this.detector = detector;
        this.care = care;
        this.config = config;
        this.clock = clock;
        this.nanos = nanos;
        this.hooks = hooks;
        this.events = events;
        this.async = async;
        this.leading = leading;
    }

    // ---- whether to begin ------------------------------------------------------------------------

    /**
     * The master of a group without a failover looks down from here ({@code how}): confirm with the
     * peers, pass the safety valves, choose a replica, commit the intent and drive the failover.
     * {@code downShare}: the share of all masters that look down (the fleet breaker).
     */
    void detect(String cluster, String groupId, Detector.Down how, double downShare) {
        RegistryState state = registry.readLocal();
        Cluster c = state.cluster(cluster).orElse(null);
        Group g = c == null ? null : c.group(groupId).orElse(null);
        if (g == null || g.failover() != null || !leading.getAsBoolean() || how == Detector.Down.UP) {
            return;
        }
        String key = Ids.group(cluster, groupId);
        Policy policy = c.policy();
        long t0 = nanos.getAsLong();
        Address master = g.master().address();
        Detector.Verdict verdict = detector.objectively(master, policy, how);
        if (!verdict.confirmed() && how == Detector.Down.REFUSED) {
            // not every peer sees it refusing: the slower rule (silence, by a majority) may still confirm it
            LOG.debug("refusals of {} not confirmed: {}", master, verdict.summary());
            return;
        }
        if (!verdict.confirmed()) {
            events.once(key, cluster, ControllerEvent.ODOWN_NOT_CONFIRMED.wire(), key, "only " + verdict.summary()
                    + " see " + master + " down: no failover");
            return;
        }
        long odownAt = nanos.getAsLong();
        events.once(key, cluster, ControllerEvent.ODOWN.wire(), master.logId(), "master of " + key + " down for "
                + verdict.summary());
        Optional<String> refusal = refusal(c, g, downShare);
        if (refusal.isPresent()) {
            return;
        }
        List<Ranking.Candidate> assessed = assess(c, g);
        Optional<Ranking.Candidate> best = Ranking.best(assessed);
        if (best.isEmpty()) {
            events.once(key, cluster, ControllerEvent.abort(FailoverOutcome.NO_GOOD_REPLICA), key, Ranking.reasons(assessed));
            return;
        }
        Address candidate = best.get().replica().address();
        timings.put(key, new long[] {t0, odownAt, 0, 0, 0});
        begin(c, g, candidate, (verdict.rule() == Detector.Down.REFUSED ? "refused " : "odown ") + verdict.agree() + "/"
                + verdict.members());
    }

    /** The safety valves, in order; the first that refuses says so once per down episode. */
    private Optional<String> refusal(Cluster c, Group g, double downShare) {
        String key = Ids.group(c.name(), g.id());
        Policy policy = c.policy();
        long now = clock.millis();
        FailoverOutcome why = null;
        String message = null;
        Optional<Maintenance> resting = c.failoverSuspended(g, now);
        if (!policy.autoFailover()) {
            why = FailoverOutcome.AUTO_FAILOVER_OFF;
            message = "automatic failover is off for this cluster";
        } else if (resting.isPresent()) {
            why = FailoverOutcome.MAINTENANCE;
            Maintenance m = resting.get();
            message = m.logId(c.name()) + " is in maintenance for " + Math.max(0, m.untilMillis() - now) / 1000 + " s more"
                    + (m.reason().isEmpty() ? "" : " (" + m.reason() + ")");
        } else if (!c.slots().owningGroups().contains(g.id())) {
            // it serves no client, and the new group of a split is a replica of its source on purpose (its master
            // may not answer while it loads the full sync): nothing to fail over
            why = FailoverOutcome.NO_SLOTS;
            message = key + " owns no slots: no failover";
        } else if (downShare > policy.fleetBreakerShare()) {
            why = FailoverOutcome.FLEET_BREAKER;
            message = String.format("%.0f%% of all masters look down (breaker at %.0f%%): the controller's network is"
                    + " suspect, not Redis", downShare * 100, policy.fleetBreakerShare() * 100);
        } else {
            long windowStart = now - policy.failoverWindowMillis();
            long recent = g.history().stream().filter(h -> !h.planned() && h.outcome().equals(FailoverOutcome.DONE.wire())
                    && h.endedMillis() >= windowStart).count();
            if (recent >= policy.maxFailoversPerWindow()) {
                why = FailoverOutcome.RATE_LIMIT;
                message = recent + " failovers in the last " + policy.failoverWindowMillis() + " ms (max "
                        + policy.maxFailoversPerWindow() + ")";
            }
        }
        if (why == null) {
            return Optional.empty();
        }
        events.once(key, c.name(), ControllerEvent.abort(why), key, message);
        return Optional.of(why.wire());
    }

    /** Every replica's standing (Ranking), with this cluster's extra conditions. */
    private List<Ranking.Candidate> assess(Cluster c, Group g) {
        Policy policy = c.policy();
        List<Ranking.Candidate> assessed = Ranking.assess(g, r -> probes.view(r.address()), nanos.getAsLong(),
                policy.downAfterMillis(), Math.max(10_000, policy.downAfterMillis() * 10));
        long now = clock.millis();
        assessed = Ranking.require(assessed, r -> c.maintenanceOf(r.address().toString(), now)
                .map(m -> "in maintenance (" + m.reason() + ")").orElse(null));
        if (policy.proxyFencing() == ProxyFencing.PER_GROUP) {
            assessed = Ranking.require(assessed, r -> notNamedInStamp(c.name(), g, r));
        }
        return assessed;
    }

    /**
     * The intent, then the failover. {@code REPLICAOF NO ONE} on the candidate is sent while the intent
     * commits, not after (docs/failover.md, "The path after detection"): no proxy routes to the candidate
     * before {@code PromoteReplica} commits, so a promotion whose intent is refused took no client write, and
     * is undone (the candidate is pointed back at the old master; the care of the group would do it too).
     */
    private void begin(Cluster c, Group g, Address candidate, String reason) {
        String key = Ids.group(c.name(), g.id());
        long epoch = g.epoch() + 1;
        Failover planned = new Failover(epoch, g.master().address(), candidate,
                io.cfgserver.registry.topology.FailoverState.PROMOTING, false, reason, clock.millis(), clock.millis());
        applyDesiredConfig(c.name(), g, planned);
        CompletableFuture<Void> promotion = CompletableFuture.runAsync(() -> redis.promote(candidate), async);
        String attempt = key + "@" + epoch;
        events.hold();
        holding.add(attempt);
        try {
            try {
                registry.submit(new BeginFailover(c.name(), g.id(), epoch, candidate, reason, clock.millis()));
            } catch (RuntimeException e) {
                promotion.handle((v, x) -> null).join();
                try {
                    redis.replicaOf(candidate, g.master().address());
                } catch (RuntimeException undo) {
                    LOG.debug("undoing the promotion of {} failed (the care of the group retries): {}", candidate,
                            undo.toString());
                }
                throw e;
            }
            long[] t = timings.get(key);
            if (t != null) {
                t[2] = nanos.getAsLong();
            }
            hooks.step(FaultHooks.AFTER_BEGIN);
            try {
                promotion.join();
                promoted.add(attempt);
            } catch (RuntimeException e) {
                // PROMOTING retries it until promoteTimeout
            }
            drive(c.name(), g.id());
        } finally {
            if (holding.remove(attempt)) {
                events.release();
            }
        }
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

    // ---- the failover state machine: one method per state --------------------------------------

    /** Drives the group's failover as far as it goes now (each state's method returns whether it moved on). */
    void drive(String cluster, String groupId) {
        for (int step = 0; step < 10 && leading.getAsBoolean(); step++) {
            Group g = registry.readLocal().cluster(cluster).flatMap(c -> c.group(groupId)).orElse(null);
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

    /** PROMOTING (unplanned): {@code REPLICAOF NO ONE} on the candidate, then the commit point. */
    private boolean promoting(String cluster, Group g, Failover f) {
        applyDesiredConfig(cluster, g, f);
        try {
            if (!promoted.remove(Ids.group(cluster, g.id()) + "@" + f.epoch())) {
                redis.promote(f.candidate()); // not sent with the intent (or it failed; or a new leader resumes)
            }
        } catch (RuntimeException e) {
            if (clock.millis() - f.stateMillis() > config.promoteTimeout().toMillis()) {
                abort(cluster, g, f, FailoverOutcome.PROMOTION_FAILED, e.toString());
            }
            return false;
        }
        hooks.step(FaultHooks.AFTER_PROMOTE_REDIS);
        long[] t = timings.get(Ids.group(cluster, g.id()));
        if (t != null) {
            t[3] = nanos.getAsLong();
        }
        registry.submit(new PromoteReplica(cluster, g.id(), f.epoch(), clock.millis()));
        if (t != null) {
            t[4] = nanos.getAsLong();
        }
        if (holding.remove(Ids.group(cluster, g.id()) + "@" + f.epoch())) {
            events.release(); // the detection's events may be recorded now
        }
        hooks.step(FaultHooks.AFTER_COMMIT_MASTER);
        return true;
    }

    /** SWITCHOVER_REQUESTED: the target (the best replica when none was named), then the intent. */
    private boolean switchoverRequested(String cluster, Group g, Failover f) {
        Address target = f.candidate();
        if (target == null) {
            Cluster c = registry.readLocal().cluster(cluster).orElse(null);
            if (c == null) {
                return false;
            }
            List<Ranking.Candidate> assessed = Ranking.assess(g, r -> probes.view(r.address()), nanos.getAsLong(),
                    c.policy().downAfterMillis(), Math.max(10_000, c.policy().downAfterMillis() * 10));
            Optional<Ranking.Candidate> best = Ranking.best(assessed);
            if (best.isEmpty()) {
                abort(cluster, g, f, FailoverOutcome.NO_GOOD_REPLICA, Ranking.reasons(assessed));
                return false;
            }
            target = best.get().replica().address();
        }
        registry.submit(new BeginFailover(cluster, g.id(), f.epoch(), target, "switchover", clock.millis()));
        return true;
    }

    /** PROMOTING (planned): FAILOVER TO on the old master, which pauses writes until the target has everything. */
    private boolean promotingPlanned(String cluster, Group g, Failover f) {
        applyDesiredConfig(cluster, g, f);
        try {
            if (!candidateIsMaster(f.candidate())) {
                redis.failoverTo(f.oldMaster(), f.candidate(), config.switchoverTimeout().toMillis());
                long deadline = nanos.getAsLong() + config.switchoverTimeout().toNanos() + 2_000_000_000L;
                while (!Prober.parse(redis.info(f.candidate()), 0).isMaster()) {
                    if (nanos.getAsLong() > deadline) {
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
                abort(cluster, g, f, FailoverOutcome.SWITCHOVER_FAILED, e.getMessage());
                return false;
            }
            // Redis switched after all (the wait timed out late): commit what Redis did
        }
        registry.submit(new PromoteReplica(cluster, g.id(), f.epoch(), clock.millis()));
        return true;
    }

    private boolean candidateIsMaster(Address candidate) {
        try {
            return Prober.parse(redis.info(candidate), 0).isMaster();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * REPOINTING, after the commit point: the new master's stamp, then the other replicas (and the old
     * master when it answers) re-pointed while the proxies switch, then the end once every proxy serves the
     * new version (or has let its lease run out).
     */
    private boolean repointing(String cluster, Group g, Failover f) {
        Address master = g.master().address();
        Cluster c = registry.readLocal().cluster(cluster).orElse(null);
        if (c == null) {
            return false;
        }
        // every Redis call runs while the proxies switch (the wait for them starts at once): the new master's
        // config file and stamp first (the replicas re-pointed next copy the stamp), then the other replicas and
        // the old master when it answers (an unreachable one costs a timeout here, not on the path)
        CompletableFuture<Void> repointed = CompletableFuture.runAsync(() -> {
            persistDesiredConfig(cluster, g, f);
            care.applyStamp(c, g);
            for (Instance r : g.replicas()) {
                try {
                    ProbeResult p = probes.view(r.address()).map(Prober.View::last).orElse(null);
                    if (p == null || !p.isReplicaOf(master)) {
                        redis.replicaOf(r.address(), master);
                    }
                } catch (RuntimeException e) {
                    LOG.debug("re-pointing {} failed (the care of the group retries): {}", r.address(), e.toString());
                }
            }
            care.applyMasterSettings(c, g);
        }, async);
        String proxies = "all proxies on version " + c.version();
        try {
            ProxyBarrier.await(registry, cluster, c.version(), config.proxyWait(), clock);
        } catch (ProxyBarrier.ProxiesLagException e) {
            proxies = e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        long acked = nanos.getAsLong();
        repointed.handle((v, x) -> null).join();
        String key = Ids.group(cluster, g.id());
        long[] t = timings.remove(key);
        String breakdown = t == null || t[4] == 0 ? "" : String.format(
                "; detection->odown %d ms, odown->intent %d ms, intent->promoted %d ms, promoted->committed %d ms, "
                        + "committed->proxies %d ms, detection->proxies %d ms",
                (t[1] - t[0]) / 1_000_000, (t[2] - t[1]) / 1_000_000, Math.max(0, t[3] - t[2]) / 1_000_000,
                (t[4] - t[3]) / 1_000_000, (acked - t[4]) / 1_000_000, (acked - t[0]) / 1_000_000);
        registry.submit(new EndFailover(cluster, g.id(), f.epoch(), false, FailoverOutcome.DONE.wire(), clock.millis()));
        long took = t == null ? -1 : acked - t[0];
        events.later(() -> events.observer().failoverEnded(cluster, f.planned(), FailoverOutcome.DONE.wire(), took));
        LOG.info("+failover-end {} {} -> {} epoch {}: {}{}", key, f.oldMaster(), master, f.epoch(), proxies, breakdown);
        events.emit(cluster, ControllerEvent.FAILOVER_TIMINGS, key, proxies + breakdown);
        return false;
    }

    /** Gives the failover up: legal only before the commit point (the registry refuses it afterwards too). */
    void abort(String cluster, Group g, Failover f, FailoverOutcome outcome, String why) {
        String key = Ids.group(cluster, g.id());
        if (!f.state().abortable()) {
            throw new IllegalStateException("abort after the commit point of " + key + ": a bug");
        }
        registry.submit(new EndFailover(cluster, g.id(), f.epoch(), true, outcome.wire(), clock.millis()));
        events.abort(cluster, outcome, key, why == null ? "" : why);
        long[] t = timings.remove(key);
        long took = t == null ? -1 : nanos.getAsLong() - t[0];
        events.later(() -> events.observer().failoverEnded(cluster, f.planned(), outcome.wire(), took));
        configApplied.remove(cluster + "/" + g.id() + "/" + f.epoch());
    }

    // ---- the rolled-out config on the promoted replica --------------------------------------------

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
            events.emit(cluster, ControllerEvent.CONFIG_APPLY_FAILED, f.candidate().logId(), "before its promotion in "
                    + Ids.group(cluster, g.id()) + ": " + e.getMessage());
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
}
