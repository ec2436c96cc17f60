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
     * Waits until every proxy serves {@code version}, or has let its lease run out and, when it serves
     * on unmanaged (per-group fencing), has had one more evidence round since the pending stamp was
     * written at {@code stampedAtMillis} (docs/agent.md): then none routes the moved slots to the source.
     */
    @ActivityMethod
    void awaitProxies(String cluster, long version, long stampedAtMillis);

    /** {@code EndMigration}. */
    @ActivityMethod
    void end(String cluster, String job, boolean aborted, String outcome, String message);
}
