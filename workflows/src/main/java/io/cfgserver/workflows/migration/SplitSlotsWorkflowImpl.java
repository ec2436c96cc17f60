package io.cfgserver.workflows.migration;

import io.cfgserver.activities.migration.Held;
import io.cfgserver.activities.migration.SourceFence;
import io.cfgserver.activities.migration.SplitActivities;
import io.cfgserver.activities.registry.MovePlan;
import io.cfgserver.activities.registry.MoveRegistryActivities;
import io.cfgserver.activities.registry.RegistryActivities;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.workflows.ActivityProfiles;
import io.cfgserver.workflows.JobLock;
import io.cfgserver.workflows.JobControl.Rules;
import io.cfgserver.workflows.JobProgress;
import io.cfgserver.workflows.Jobs;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Steps: {@code begin} (the move recorded, as migrate-slots) → {@code attach} (buffers sized, the new
 * master REPLICAOF the source) → {@code sync} (full sync, then caught up) → {@code cut-over} (hold:
 * pause, offset, target applied it, fence, promote; then commit, every proxy, lift) → {@code trim}
 * (the target deletes what it does not own, the source the moved range) → {@code finish}.
 * Deterministic; every effect an activity.
 */
public class SplitSlotsWorkflowImpl implements SplitSlotsWorkflow {
    private static final Logger log = Workflow.getLogger(SplitSlotsWorkflowImpl.class);
    private static final List<String> STEPS = List.of("begin", "attach", "sync", "cut-over", "trim", "finish");
    /** The source's backlog while the target syncs: a partial resync after a short break instead of a new full sync. */
    private static final long BACKLOG_BYTES = 256L << 20;

    private final RegistryActivities registry = Workflow.newActivityStub(RegistryActivities.class, ActivityProfiles.registry());
    private final MoveRegistryActivities moves = Workflow.newActivityStub(MoveRegistryActivities.class,
            ActivityProfiles.registry());
    private final SplitActivities split = Workflow.newActivityStub(SplitActivities.class, ActivityProfiles.redisCommand());
    private final SplitActivities trim = Workflow.newActivityStub(SplitActivities.class, ActivityProfiles.moveDelete());
    private final SplitActivities syncWait = Workflow.newActivityStub(SplitActivities.class, ActivityProfiles.replicaSync());
    private final io.cfgserver.activities.migration.MoveActivities delete = Workflow.newActivityStub(
            io.cfgserver.activities.migration.MoveActivities.class, ActivityProfiles.moveDelete());

    private MigrateSlotsRequest request;
    private String step = "begin";
    private String detail = "starting";
    private JobState state = JobState.RUNNING;
    private boolean pauseRequested;
    private boolean committed;
    private MovePlan plan;
    private SplitActivities.Saved saved;
    private Held held;
    private long startedAt;
    /** When the hold was reported, as in migrate-slots. */
    private long stampedAt;

    @Override
    public MigrateSlotsResult run(MigrateSlotsRequest requested) {
        MigrateSlotsRequest req = requested == null ? null : requested.withJobId(JobLock.jobId(requested.jobId()));
        request = req;
        startedAt = Workflow.currentTimeMillis();
        String problem = req == null ? "the request is missing" : req.problem();
        if (problem != null) {
            throw ApplicationFailure.newNonRetryableFailure("split-slots request refused: " + problem, FAILURE_TYPE);
        }
        JobLock.enter(registry, req.cluster(), req.jobId(), Jobs.SPLIT_SLOTS, Map.of("from", String.valueOf(req.from()),
                "to", String.valueOf(req.to()), "target", req.target()), req.parentJob());
        try {
            enter("begin", "recording the move of slots " + req.from() + ".." + req.to() + " to group-[" + req.target() + "]");
            plan = moves.begin(req.cluster(), req.jobId(), req.from(), req.to(), req.target());
            enter("attach", plan.targetMaster() + " REPLICAOF " + plan.sourceMaster());
            saved = split.attach(plan.sourceMaster(), plan.targetMaster(), BACKLOG_BYTES, null);
            enter("sync", "full sync of " + plan.targetMaster() + " from " + plan.sourceMaster());
            syncWait.awaitSynced(plan.sourceMaster(), plan.targetMaster(), 1 << 20);
            if (pauseRequested) {
                state = JobState.PAUSED;
                registry.markJob(req.cluster(), req.jobId(), JobState.PAUSED, "paused before the cut-over (still replicating)");
                Workflow.await(() -> !pauseRequested);
                registry.markJob(req.cluster(), req.jobId(), JobState.RUNNING, "resumed");
                state = JobState.RUNNING;
            }
            enter("cut-over", "pause, " + plan.targetMaster() + " applies the source's last offset, fence, promote, commit,"
                    + " every proxy, lift");
            long[] version = new long[1];
            Workflow.newDetachedCancellationScope(() -> {
                held = split.hold(plan.sourceMaster(), plan.targetMaster(), req.maxPauseMillis(), plan.pendingStamp(),
                        new SourceFence.Saved(plan.minReplicasToWrite(), plan.minReplicasMaxLag()));
                stampedAt = Workflow.currentTimeMillis();
                version[0] = cutOver();
                committed = true;
            }).run();
            return forward(version[0]);
        } catch (TemporalFailure f) {
            if (committed) {
                throw failed(f, "after its commit (the slots belong to group-[" + req.target() + "]; finish the step by hand)");
            }
            boolean cancelled = f instanceof CanceledFailure || CancellationScope.current().isCancelRequested();
            if (plan != null && held != null && !abortRecorded(cancelled ? "cancelled" : "failed", JobLock.reason(f))) {
                committed = true; // the cut-over committed though its reply never came: finish it (idempotent)
                long[] version = new long[1];
                Workflow.newDetachedCancellationScope(() -> version[0] = cutOver()).run();
                return forward(version[0]);
            }
            throw rollback(cancelled, JobLock.reason(f));
        }
    }

    private long cutOver() {
        return moves.cutOver(request.cluster(), request.jobId(), plan.sourceEpoch(), plan.targetEpoch(), stampedAt,
                plan.sourceMaster(), held.saved());
    }

    private boolean abortRecorded(String outcome, String why) {
        boolean[] aborted = {true};
        Workflow.newDetachedCancellationScope(() -> aborted[0] = moves.abort(request.cluster(), request.jobId(), outcome, why))
                .run();
        return aborted[0];
    }

    private MigrateSlotsResult forward(long version) {
        MigrateSlotsResult[] result = new MigrateSlotsResult[1];
        Workflow.newDetachedCancellationScope(() -> {
            long cutOverMillis = Workflow.currentTimeMillis() - stampedAt;
            enter("trim", "deleting what each side no longer owns");
            long trimStart = Workflow.currentTimeMillis();
            // both sides at once: each deletes on its own instance
            io.temporal.workflow.Promise<Long> targetSide = io.temporal.workflow.Async.function(trim::trimOutside,
                    plan.targetMaster(), request.from(), request.to(), request.maxKeysPerSecond());
            io.temporal.workflow.Promise<Long> sourceSide = io.temporal.workflow.Async.function(delete::deleteRange,
                    plan.sourceMaster(), request.from(), request.to(), request.maxKeysPerSecond());
            long trimmed = targetSide.get();
            long deleted = sourceSide.get();
            split.restore(plan.sourceMaster(), plan.targetMaster(), saved);
            long trimMillis = Workflow.currentTimeMillis() - trimStart;
            enter("finish", "recording the split as done");
            long kept = held.keysCopied() - trimmed;
            String summary = kept + " keys moved to group-[" + plan.target() + "] by replication (" + held.keysCopied()
                    + " replicated, " + trimmed + " trimmed from the target, " + deleted + " deleted from the source),"
                    + " source writes held about " + (held.pausedMillis() + cutOverMillis) + " ms (" + held.pausedMillis()
                    + " ms of them paused before the fence), version " + version;
            moves.end(request.cluster(), request.jobId(), false, "done", summary);
            registry.finishJob(request.cluster(), request.jobId(), JobState.SUCCEEDED, summary);
            state = JobState.SUCCEEDED;
            detail = summary;
            result[0] = new MigrateSlotsResult(request.jobId(), request.cluster(), request.from(), request.to(), plan.source(),
                    plan.target(), kept, 0, held.pausedMillis(), version, deleted, 1, held.phases(),
                    held.pausedMillis() + cutOverMillis, cutOverMillis, trimMillis,
                    Workflow.currentTimeMillis() - startedAt);
        }).run();
        return result[0];
    }

    /** Before the commit: lift any fence, detach and empty the target, put the settings back, record the job. */
    private TemporalFailure rollback(boolean cancelled, String why) {
        JobState end = cancelled ? JobState.CANCELLED : JobState.FAILED;
        state = end;
        detail = (cancelled ? "cancelled" : "failed") + " at step " + step + ": " + why;
        Workflow.newDetachedCancellationScope(() -> {
            try {
                if (plan != null) {
                    delete.lift(plan.sourceMaster(), held != null ? held.saved()
                            : new SourceFence.Saved(plan.minReplicasToWrite(), plan.minReplicasMaxLag()));
                    if (held == null) {
                        moves.abort(request.cluster(), request.jobId(), cancelled ? "cancelled" : "failed", why);
                    }
                    split.detachAndEmpty(plan.targetMaster());
                    split.restore(plan.sourceMaster(), plan.targetMaster(), saved);
                }
                registry.finishJob(request.cluster(), request.jobId(), end, detail);
            } catch (TemporalFailure e) {
                detail = detail + "; rollback incomplete: " + JobLock.reason(e);
                log.warn("job-[{}] {}", request.jobId(), detail);
            }
        }).run();
        return cancelled ? new CanceledFailure("split-slots job-[" + request.jobId() + "] " + detail)
                : ApplicationFailure.newNonRetryableFailure("split-slots job-[" + request.jobId() + "] " + detail, FAILURE_TYPE);
    }

    private ApplicationFailure failed(TemporalFailure cause, String what) {
        String message = "split-slots job-[" + request.jobId() + "] failed at step " + step + " " + what + ": "
                + JobLock.reason(cause);
        state = JobState.FAILED;
        detail = message;
        Workflow.newDetachedCancellationScope(() -> {
            try {
                registry.finishJob(request.cluster(), request.jobId(), JobState.FAILED, message);
            } catch (TemporalFailure e) {
                log.warn("job-[{}] could not be recorded as failed: {}", request.jobId(), JobLock.reason(e));
            }
        }).run();
        return ApplicationFailure.newNonRetryableFailureWithCause(message, FAILURE_TYPE, cause);
    }

    @Override
    public JobProgress progress() {
        return new JobProgress(step, STEPS.indexOf(step) + 1, STEPS.size(), detail, pauseRequested, state);
    }

    @Override
    public void pause() {
        pauseRequested = true;
    }

    @Override
    public void resume() {
        pauseRequested = false;
    }

    @Override
    public JobProgress pauseJob() {
        pauseRequested = true;
        return progress();
    }

    @Override
    public void validatePauseJob() {
        Rules.pause(state, committed, step);
    }

    @Override
    public JobProgress resumeJob() {
        pauseRequested = false;
        return progress();
    }

    @Override
    public void validateResumeJob() {
        Rules.resume(state, pauseRequested);
    }

    private void enter(String next, String what) {
        step = next;
        detail = what;
        Workflow.setCurrentDetails("**" + next + "**: " + what);
        log.info("job-[{}] step {}: {}", request.jobId(), next, what);
    }
}
