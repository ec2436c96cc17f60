package io.cfgserver.activities.registry;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** The registry half of a slot move (docs/migration.md). */
@ActivityInterface(namePrefix = "MoveRegistry")
public interface MoveRegistryActivities {
    /** The commit was refused because a group failed over since the copy began: copy again. */
    String FAILURE_EPOCHS = "MoveEpochsChanged";

    /** {@code BeginMigration} (idempotent for the job; restarts the copy on current epochs), then the plan. */
    @ActivityMethod
    MovePlan begin(String cluster, String job, int from, int to, String target);

    /** {@code CommitMigration}: the commit point. Returns the new topology version. */
    @ActivityMethod
    long commit(String cluster, String job, long sourceEpoch, long targetEpoch);

    /**
     * Waits until every proxy serves {@code version}, or has let its lease run out and, when it may
     * serve on unmanaged (per-group fencing), can no longer route the moved slots to the source: its
     * agent, if alive, has had a round of data-plane checks since the pending stamp was written at
     * {@code stampedAtMillis} and fenced the group, and, if dead, its nutcracker's last vouch has run
     * out ({@link io.cfgserver.registry.topology.Proxy#mayServeOldMapUntil}, docs/agent.md). A wait
     * longer than one attempt fails with {@code ProxiesSilent}, retried.
     */
    @ActivityMethod
    void awaitProxies(String cluster, long version, long stampedAtMillis);

    /**
     * The cut-over after the hold, in one activity (each Temporal round trip between its steps kept the
     * source's other slots refused longer): {@link #commit}, {@link #awaitProxies}, then the source's
     * fence lifted (its {@code min-replicas-*} back to {@code saved}, {@code CLIENT UNPAUSE}). Every
     * step is idempotent, so a retried attempt repeats them. Returns the new version.
     */
    @ActivityMethod
    long cutOver(String cluster, String job, long sourceEpoch, long targetEpoch, long stampedAtMillis,
            String sourceMaster, io.cfgserver.activities.migration.SourceFence.Saved saved);

    /**
     * {@code EndMigration(aborted)}: true when the move is aborted (or was never recorded), false when
     * it has committed — then it can only go forward. A rollback asks this first, so the registry
     * decides, once, on which side of the commit a move whose last reply was lost stands.
     */
    @ActivityMethod
    boolean abort(String cluster, String job, String outcome, String message);

    /** {@code EndMigration}. */
    @ActivityMethod
    void end(String cluster, String job, boolean aborted, String outcome, String message);
}
