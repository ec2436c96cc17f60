package io.cfgserver.activities.registry;

import io.cfgserver.registry.client.ProxyBarrier;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.BeginMigration;
import io.cfgserver.registry.command.CommitMigration;
import io.cfgserver.registry.command.EndMigration;
import io.cfgserver.registry.controller.FaultHooks;
import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Migration;
import io.cfgserver.registry.topology.MigrationState;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.ProxyFencing;
import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.Slots;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** {@link MoveRegistryActivities} over a {@link RegistryClient}. */
public class MoveRegistryActivitiesImpl implements MoveRegistryActivities {
    /**
     * After a proxy's lease ended, how long until its agent has surely run an evidence round: a round
     * (lease/3) plus a renewal timeout (lease/3) plus the checks' timeouts, for the default 3 s lease.
     */
    static final long EVIDENCE_GRACE_MILLIS = 3000;
    static final Duration PROXY_WAIT = Duration.ofSeconds(20);
    /**
     * How long one attempt waits in all: under the registry profile's 30 s. A proxy whose agent died
     * may serve its old map for its {@code unattendedMillis} (30 s by default, up to an hour): the
     * attempt then fails with {@link #FAILURE_PROXIES_SILENT} and the next attempt waits on.
     */
    static final Duration ATTEMPT_BUDGET = Duration.ofSeconds(25);
    static final String FAILURE_PROXIES_SILENT = "ProxiesSilent";

    private final RegistryClient registry;
    private final RegistryActivitiesImpl commands;
    private final Clock clock;
    private final FaultHooks hooks;
    private final io.cfgserver.activities.migration.SourceFence fence = new io.cfgserver.activities.migration.SourceFence(5000);

    public MoveRegistryActivitiesImpl(RegistryClient registry) {
        this(registry, FaultHooks.fromSystemProperties());
    }

    public MoveRegistryActivitiesImpl(RegistryClient registry, FaultHooks hooks) {
        this.registry = registry;
        this.commands = new RegistryActivitiesImpl(registry);
        this.clock = Clock.systemUTC();
        this.hooks = hooks;
    }

    @Override
    public MovePlan begin(String cluster, String job, int from, int to, String target) {
        commands.submit(new BeginMigration(cluster, job, from, to, target, clock.millis()));
        Cluster c = cluster(cluster);
        Migration m = c.migration(job).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "migration-[" + job + "] is not recorded in cluster-[" + cluster + "]", RegistryActivities.FAILURE_NOT_FOUND));
        Group source = c.group(m.source()).orElseThrow();
        Group dest = c.group(m.target()).orElseThrow();
        String capture = source.replicas().stream().filter(Instance::promotable).map(i -> i.address().toString())
                .findFirst().orElse(source.master().address().toString());
        String[] owners = new String[Slots.COUNT];
        for (int s = 0; s < Slots.COUNT; s++) {
            owners[s] = s >= from && s <= to ? m.target() : c.slots().owner(s);
        }
        Cluster after = c.withSlots(SlotMap.fromOwners(owners)).bumpVersion();
        FencingStamp pending = FencingStamp.of(after, source);
        return new MovePlan(m.source(), m.target(), m.sourceEpoch(), m.targetEpoch(), source.master().address().toString(),
                capture, dest.master().address().toString(), c.version(), pending.encode(), c.policy().minReplicasToWrite(),
                c.policy().minReplicasMaxLagSeconds());
    }

    @Override
    public long commit(String cluster, String job, long sourceEpoch, long targetEpoch) {
        Cluster before = cluster(cluster);
        Migration m = before.migration(job).orElse(null);
        if (m != null && m.state() == MigrationState.COMMITTED) {
            return before.version();
        }
        hooks.step(FaultHooks.BEFORE_MIGRATION_COMMIT);
        try {
            commands.submit(new CommitMigration(cluster, job, sourceEpoch, targetEpoch, clock.millis()));
        } catch (ApplicationFailure f) {
            if (f.getOriginalMessage() != null && f.getOriginalMessage().contains("failed over since the copy began")) {
                throw ApplicationFailure.newNonRetryableFailure(f.getOriginalMessage(), FAILURE_EPOCHS);
            }
            throw f;
        }
        hooks.step(FaultHooks.AFTER_MIGRATION_COMMIT);
        return cluster(cluster).version();
    }

    @Override
    public void awaitProxies(String cluster, long version, long stampedAtMillis) {
        long giveUpAt = clock.millis() + ATTEMPT_BUDGET.toMillis();
        try {
            ProxyBarrier.await(registry, cluster, version, PROXY_WAIT, clock);
            while (true) {
                long now = clock.millis();
                Cluster c = cluster(cluster);
                List<Proxy> unsettled = c.proxies().stream()
                        .filter(p -> p.servedVersion() > 0 && p.servedVersion() < version)
                        .filter(p -> c.policy().proxyFencing() != ProxyFencing.STRICT)
                        .filter(p -> now < p.mayServeOldMapUntil(stampedAtMillis, EVIDENCE_GRACE_MILLIS))
                        .toList();
                if (unsettled.isEmpty()) {
                    return;
                }
                if (now >= giveUpAt) {
                    // retried by the activity's policy (the commit is idempotent; the source stays fenced)
                    throw ApplicationFailure.newFailure("still waiting for " + unsettled.stream()
                            .map(p -> p.logId() + " (silent, version " + p.servedVersion() + "; its nutcracker may serve"
                                    + " the old map for another " + (p.mayServeOldMapUntil(stampedAtMillis,
                                            EVIDENCE_GRACE_MILLIS) - now) + " ms)").toList()
                            + ": the source stays fenced until they cannot route the moved slots to it", FAILURE_PROXIES_SILENT);
                }
                Thread.sleep(Math.min(200, Math.max(20, giveUpAt - now)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the proxies", e);
        }
    }

    @Override
    public long cutOver(String cluster, String job, long sourceEpoch, long targetEpoch, long stampedAtMillis,
            String sourceMaster, io.cfgserver.activities.migration.SourceFence.Saved saved) {
        long version = commit(cluster, job, sourceEpoch, targetEpoch);
        awaitProxies(cluster, version, stampedAtMillis);
        fence.lift(io.cfgserver.registry.topology.Address.parse(sourceMaster), saved);
        return version;
    }

    @Override
    public boolean abort(String cluster, String job, String outcome, String message) {
        Migration m = cluster(cluster).migration(job).orElse(null);
        if (m != null && !m.state().abortable()) {
            return false;
        }
        try {
            commands.submit(new EndMigration(cluster, job, true, outcome, message, clock.millis()));
            return true;
        } catch (ApplicationFailure f) {
            // committed between the read and the submit: the registry refused the abort
            Migration now = cluster(cluster).migration(job).orElse(null);
            if (now != null && !now.state().abortable()) {
                return false;
            }
            throw f;
        }
    }

    @Override
    public void end(String cluster, String job, boolean aborted, String outcome, String message) {
        commands.submit(new EndMigration(cluster, job, aborted, outcome, message, clock.millis()));
    }

    private Cluster cluster(String name) {
        return registry.read().cluster(name).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "cluster-[" + name + "] does not exist", RegistryActivities.FAILURE_NOT_FOUND));
    }
}
