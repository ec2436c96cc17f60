package io.cfgserver.registry.controller;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.ClearStale;
import io.cfgserver.registry.command.SetReplicaBanned;
import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Policy;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The care of a healthy group (docs/failover.md, "Replicas: ban and re-admission"): replicas follow the
 * registry's master (a returning former master is demoted, never the other way round), a replica with a
 * problem that lasts {@code downAfter} is banned and re-admitted once caught up, the master carries its
 * group's fencing stamp and the policy's {@code min-replicas-*}. An instance in a maintenance window is
 * never banned.
 */
final class ReplicaCare {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    static final long STAMP_REFRESH_NANOS = 10_000_000_000L;

    private final RegistryClient registry;
    private final Probes probes;
    private final RedisOps redis;
    private final ControllerConfig config;
    private final Clock clock;
    private final LongSupplier nanos;
    /** Per group and master: the fencing stamp last written there. */
    private final Map<String, Stamped> stamped = new ConcurrentHashMap<>();
    /** Per group and master: the min-replicas settings last written there. */
    private final Map<String, String> masterSettings = new ConcurrentHashMap<>();
    /** Per replica: since when (nanos) it has had a problem (down, out of sync, lagging). */
    private final Map<String, Long> badSince = new ConcurrentHashMap<>();

    /** The stamp written, when, and the cluster version and group record it was made from. */
    private record Stamped(String text, long atNanos, long version, Group group) {
    }

    ReplicaCare(RegistryClient registry, Probes probes, RedisOps redis, ControllerConfig config, Clock clock,
            LongSupplier nanos) {
        this.registry = registry;
        this.probes = probes;
        this.redis = redis;
        this.config = config;
        this.clock = clock;
        this.nanos = nanos;
    }

    /**
     * One round of care for a group without a failover, as of the tick's state (at most a probe period
     * old: every registry write it leads to is checked against the state it is applied to).
     */
    void maintain(Cluster c, Group g) {
        if (g.failover() != null) {
            return;
        }
        String cluster = c.name();
        String groupId = g.id();
        Policy policy = c.policy();
        Address master = g.master().address();
        Optional<Prober.View> mv = probes.view(master);
        long fresh = 3 * config.probePeriod().toNanos();
        if (mv.isEmpty() || mv.get().last() == null || !mv.get().last().isMaster()
                || mv.get().silentNanos(nanos.getAsLong()) > fresh) {
            // master not confirmed healthy just now: replicas that lost it are not to blame
            badSince.keySet().removeIf(k -> k.startsWith(cluster + "/" + groupId + "/"));
            return;
        }
        long masterOffset = mv.get().last().offset();
        applyMasterSettings(c, g);
        applyStamp(c, g);
        long now = nanos.getAsLong();
        long nowMillis = clock.millis();
        for (Instance r : g.replicas()) {
            Prober.View v = probes.view(r.address()).orElse(null);
            ProbeResult p = v == null ? null : v.last();
            boolean reachable = p != null && p.ok() && v.silentNanos(now) <= policy.downAfterMillis() * 1_000_000L;
            if (reachable && !p.isReplicaOf(master)) {
                try {
                    redis.replicaOf(r.address(), master);
                    LOG.info("{} {} of {} now replicates {}", r.stale() ? "+demote" : "+repoint", r.address().logId(),
                            Ids.group(cluster, groupId), master);
                } catch (RuntimeException e) {
                    LOG.debug("REPLICAOF on {} failed: {}", r.address(), e.toString());
                }
                continue;
            }
            boolean synced = reachable && p.isReplicaOf(master) && p.linkUp();
            if (r.stale()) {
                if (synced) {
                    registry.submit(new ClearStale(cluster, groupId, r.address(), nowMillis));
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
            long bad = problem == null ? 0 : badSince.computeIfAbsent(badKey, k -> now);
            if (problem == null) {
                badSince.remove(badKey);
            }
            boolean resting = c.inMaintenance(g, r.address(), nowMillis);
            if (problem != null && !r.banned() && policy.autoBan() && !resting
                    && now - bad > policy.downAfterMillis() * 1_000_000L) {
                registry.submit(new SetReplicaBanned(cluster, groupId, r.address(), true, problem, nowMillis));
            } else if (problem == null && r.banned()) {
                registry.submit(new SetReplicaBanned(cluster, groupId, r.address(), false,
                        "caught up with " + master + (lag >= 0 ? " (lag " + lag + " bytes)" : ""), nowMillis));
            }
        }
    }

    /**
     * The group as committed, stamped on its master (docs/agent.md): written when it changed and
     * again every {@link #STAMP_REFRESH_NANOS}, in case the database was flushed.
     */
    void applyStamp(Cluster c, Group g) {
        String k = c.name() + "/" + g.id() + "@" + g.master().address();
        long now = nanos.getAsLong();
        Stamped last = stamped.get(k);
        boolean fresh = last != null && now - last.atNanos() < STAMP_REFRESH_NANOS;
        if (fresh && last.version() == c.version() && last.group() == g) {
            // a stamp is made from the cluster's topology (versioned) and the group's record (bans and epoch are
            // not versioned, but change the record): the same objects make the same stamp
            return;
        }
        FencingStamp stamp = FencingStamp.of(c, g);
        String text = stamp.encode();
        if (fresh && last.text().equals(text)) {
            stamped.put(k, new Stamped(text, last.atNanos(), c.version(), g));
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
            stamped.put(k, new Stamped(text, now, c.version(), g));
        } catch (RuntimeException e) {
            LOG.debug("stamping {} failed: {}", g.master().address(), e.toString());
        }
    }

    /** min-replicas-to-write / min-replicas-max-lag on the master, when the policy asks for them. */
    void applyMasterSettings(Cluster c, Group g) {
        if (c.migrations().stream().anyMatch(m -> m.source().equals(g.id()))) {
            // a move's cut-over fences its source with min-replicas-to-write: never lift that here
            return;
        }
        Policy p = c.policy();
        String want = p.minReplicasToWrite() + "/" + p.minReplicasMaxLagSeconds();
        String k = c.name() + "/" + g.id() + "@" + g.master().address();
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
}
