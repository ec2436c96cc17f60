package io.cfgserver.workflows.migration;

import io.cfgserver.activities.migration.Held;
import io.cfgserver.activities.migration.MoveActivities;
import io.cfgserver.activities.migration.MoveSpec;
import io.cfgserver.activities.migration.SourceFence;
import io.cfgserver.activities.registry.MovePlan;
import io.cfgserver.activities.registry.MoveRegistryActivities;
import io.cfgserver.activities.registry.RegistryActivities;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.workflows.ActivityProfiles;
import io.cfgserver.workflows.JobLock;
import io.cfgserver.workflows.JobControl.Rules;
import io.cfgserver.workflows.JobProgress;
import io.cfgserver.workflows.Jobs;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.util.List;
import org.slf4j.Logger;

/** One method per phase; deterministic (state in fields, every effect an activity). */
public class MigrateSlotsWorkflowImpl implements MigrateSlotsWorkflow {
    private static final Logger log = Workflow.getLogger(MigrateSlotsWorkflowImpl.class);
    private static final int MAX_ATTEMPTS = 10;
    private static final List<String> STEPS = List.of("begin", "copy", "cut-over", "cleanup", "finish");

    private final RegistryActivities registry = Workflow.newActivityStub(RegistryActivities.class, ActivityProfiles.registry());
    private final MoveRegistryActivities moves = Workflow.newActivityStub(MoveRegistryActivities.class,
            ActivityProfiles.registry());
    private final MoveActivities copy = Workflow.newActivityStub(MoveActivities.class, ActivityProfiles.moveCopy());
    private final MoveActivities command = Workflow.newActivityStub(MoveActivities.class, ActivityProfiles.redisCommand());
    private final MoveActivities delete = Workflow.newActivityStub(MoveActivities.class, ActivityProfiles.moveDelete());

    private MigrateSlotsRequest request;
    private String step = "begin";
    private String detail = "starting";
    private JobState state = JobState.RUNNING;
    private boolean pauseRequested;
    private boolean committed;
    private MovePlan plan;
    private Held held;
    private long startedAt;
    /** When the hold was reported (the pending stamp was written just before the pause). */
    private long stampedAt;

    @Override
    public MigrateSlotsResult run(MigrateSlotsRequest requested) {
        MigrateSlotsRequest req = requested == null ? null : requested.withJobId(JobLock.jobId(requested.jobId()));
        this.request = req;
        this.startedAt = Workflow.currentTimeMillis();
        String problem = req == null ? "the request is missing" : req.problem();
        if (problem != null) {
            throw ApplicationFailure.newNonRetryableFailure("migrate-slots request refused: " + problem, FAILURE_TYPE);
        }
        JobLock.enter(registry, req.cluster(), req.jobId(), Jobs.MIGRATE_SLOTS, java.util.Map.of("from",
                String.valueOf(req.from()), "to", String.valueOf(req.to()), "target", req.target()), req.parentJob());
        try {
            for (int attempt = 1;; attempt++) {
                parkIfPaused();
                enter("begin", "recording the move of slots " + req.from() + ".." + req.to() + " to group-[" + req.target() + "]");
                plan = moves.begin(req.cluster(), req.jobId(), req.from(), req.to(), req.target());
                enter("copy", "copying from " + plan.sourceMaster() + " (changes read from " + plan.captureFrom() + ") to "
                        + plan.targetMaster() + ", attempt " + attempt);
                held = copyOrRetry(attempt);
                if (held == null) {
                    continue;
                }
                stampedAt = Workflow.currentTimeMillis();
                enter("cut-over", held.keysCopied() + " keys copied; source held: commit, every proxy on the new"
                        + " version, lift");
                Long version = cutOverOrRetry(attempt);
                if (version == null) {
                    continue;
                }
                return forward(version, attempt);
            }
        } catch (TemporalFailure f) {
            if (committed) {
                throw failed(f);
            }
            boolean cancelled = f instanceof CanceledFailure || CancellationScope.current().isCancelRequested();
            String outcome = cancelled ? "cancelled" : abortReason(f);
            String why = cancelled ? "cancelled by the operator" : JobLock.reason(f);
            if (plan != null && held != null && !abortRecorded(outcome, why)) {
                // the cut-over committed though its reply never came: the move can only finish
                log.info("job-[{}] the registry has the move committed: finishing it instead of rolling back", req.jobId());
                committed = true;
                long[] version = new long[1];
                Workflow.newDetachedCancellationScope(() -> version[0] = cutOver()).run();
                return forward(version[0], 0);
            }
            throw rollback(outcome, why, cancelled ? JobState.CANCELLED : JobState.FAILED);
        }
    }

    /** {@code abort} in the registry, which decides whether the move is still before its commit. */
    private boolean abortRecorded(String outcome, String why) {
        boolean[] aborted = {true};
        Workflow.newDetachedCancellationScope(() -> aborted[0] = moves.abort(request.cluster(), request.jobId(), outcome, why))
                .run();
        return aborted[0];
    }

    /**
     * The copy and hold; null when it failed in a way another attempt can mend (the stream broke, the
     * source failed over or was unreachable, the worker died): then the move is planned again from the
     * registry, so a new master is used. An abort (the source was flushed) or a cancel is thrown.
     */
    private Held copyOrRetry(int attempt) {
        try {
            return copy.copyAndHold(new MoveSpec(request.cluster(), request.jobId(), request.from(), request.to(),
                    plan.sourceMaster(), plan.captureFrom(), plan.targetMaster(), request.keysPerBatch(),
                    request.maxPauseMillis(), plan.pendingStamp(),
                    new SourceFence.Saved(plan.minReplicasToWrite(), plan.minReplicasMaxLag()), request.maxKeysPerSecond(),
                    request.bigKeyBytes()));
        } catch (ActivityFailure f) {
            boolean abort = f.getCause() instanceof ApplicationFailure a && MoveActivities.FAILURE_ABORT.equals(a.getType());
            if (abort || f.getCause() instanceof CanceledFailure || CancellationScope.current().isCancelRequested()
                    || attempt >= MAX_ATTEMPTS) {
                throw f;
            }
            log.warn("job-[{}] copy attempt {} failed ({}): planning it again", request.jobId(), attempt, JobLock.reason(f));
            detail = "copy attempt " + attempt + " failed: " + JobLock.reason(f) + "; trying again";
            Workflow.sleep(java.time.Duration.ofSeconds(2));
            return null;
        }
    }

    /**
     * The cut-over, not cancellable once begun (a cancel meanwhile is ignored if it commits); null when a
     * group failed over since the copy began (nothing committed: the fence is lifted, copy again).
     */
    private Long cutOverOrRetry(int attempt) {
        Long[] version = new Long[1];
        ActivityFailure[] failure = new ActivityFailure[1];
        Workflow.newDetachedCancellationScope(() -> {
            try {
                version[0] = cutOver();
                committed = true;
            } catch (ActivityFailure f) {
                failure[0] = f;
            }
        }).run();
        if (failure[0] == null) {
            return version[0];
        }
        ActivityFailure f = failure[0];
        if (f.getCause() instanceof ApplicationFailure a && MoveRegistryActivities.FAILURE_EPOCHS.equals(a.getType())
                && attempt < MAX_ATTEMPTS) {
            log.info("job-[{}] {}: copying again", request.jobId(), a.getOriginalMessage());
            command.lift(plan.sourceMaster(), held.saved());
            held = null;
            return null;
        }
        throw f;
    }

    private long cutOver() {
        return moves.cutOver(request.cluster(), request.jobId(), plan.sourceEpoch(), plan.targetEpoch(), stampedAt,
                plan.sourceMaster(), held.saved());
    }

    /** After the commit point: only forward, not cancellable. */
    private MigrateSlotsResult forward(long version, int attempts) {
        MigrateSlotsResult[] result = new MigrateSlotsResult[1];
        Workflow.newDetachedCancellationScope(() -> {
            long cutOverMillis = Workflow.currentTimeMillis() - stampedAt;
            long heldMillis = held.pausedMillis() + cutOverMillis;
            enter("cleanup", "deleting the moved keys from " + plan.sourceMaster());
            long cleanupStart = Workflow.currentTimeMillis();
            long deleted = delete.deleteRange(plan.sourceMaster(), request.from(), request.to(), request.maxKeysPerSecond());
            long cleanupMillis = Workflow.currentTimeMillis() - cleanupStart;
            enter("finish", "recording the move as done");
            String summary = held.keysCopied() + " keys (" + held.bytesCopied() + " bytes) moved to group-[" + plan.target()
                    + "], source writes held about " + heldMillis + " ms (" + held.pausedMillis() + " ms of them paused"
                    + " before the fence), " + held.catchUpRounds() + " catch-up rounds, " + held.phases().bigKeys()
                    + " big keys copied in chunks, " + attempts + " attempt(s), version " + version;
            moves.end(request.cluster(), request.jobId(), false, "done", summary);
            registry.finishJob(request.cluster(), request.jobId(), JobState.SUCCEEDED, summary);
            state = JobState.SUCCEEDED;
            detail = summary;
            result[0] = new MigrateSlotsResult(request.jobId(), request.cluster(), request.from(), request.to(), plan.source(),
                    plan.target(), held.keysCopied(), held.bytesCopied(), held.pausedMillis(), version, deleted, attempts,
                    held.phases(), heldMillis, cutOverMillis, cleanupMillis, Workflow.currentTimeMillis() - startedAt);
        }).run();
        return result[0];
    }

    /**
     * Before the commit (the registry has the move aborted, or it is aborted here when no hold was
     * reached): lift any hold, delete the range from the target, record the job.
     */
    private TemporalFailure rollback(String outcome, String why, JobState end) {
        state = end;
        detail = outcome + " at step " + step + ": " + why;
        Workflow.newDetachedCancellationScope(() -> {
            try {
                if (plan != null) {
                    // also when no hold was returned: an attempt may have died between its fence and its reply
                    try {
                        command.lift(plan.sourceMaster(), held != null ? held.saved()
                                : new SourceFence.Saved(plan.minReplicasToWrite(), plan.minReplicasMaxLag()));
                    } catch (ActivityFailure e) {
                        log.warn("job-[{}] could not lift a fence on {}: {}", request.jobId(), plan.sourceMaster(), JobLock.reason(e));
                    }
                    if (held == null) {
                        moves.abort(request.cluster(), request.jobId(), outcome, why); // no hold: no commit
                    }
                    delete.deleteRange(plan.targetMaster(), request.from(), request.to(), 0);
                }
                registry.finishJob(request.cluster(), request.jobId(), end, detail);
            } catch (ActivityFailure e) {
                log.warn("job-[{}] rollback incomplete: {}", request.jobId(), JobLock.reason(e));
                detail = detail + "; rollback incomplete: " + JobLock.reason(e);
            }
        }).run();
        log.info("job-[{}] {}", request.jobId(), detail);
        return end == JobState.CANCELLED ? new CanceledFailure("migrate-slots job-[" + request.jobId() + "] " + detail)
                : ApplicationFailure.newNonRetryableFailure("migrate-slots job-[" + request.jobId() + "] " + detail, FAILURE_TYPE);
    }

    private ApplicationFailure failed(TemporalFailure cause) {
        String message = "migrate-slots job-[" + request.jobId() + "] failed after its commit at step " + step + ": "
                + JobLock.reason(cause) + " (the slots belong to group-[" + request.target() + "]; finish the step by hand)";
        state = JobState.FAILED;
        detail = message;
        Workflow.newDetachedCancellationScope(() -> {
            try {
                registry.finishJob(request.cluster(), request.jobId(), JobState.FAILED, message);
            } catch (ActivityFailure e) {
                log.warn("job-[{}] could not be recorded as failed: {}", request.jobId(), JobLock.reason(e));
            }
        }).run();
        return ApplicationFailure.newNonRetryableFailureWithCause(message, FAILURE_TYPE, cause);
    }

    private static String abortReason(TemporalFailure f) {
        Throwable t = f;
        while (t instanceof ActivityFailure && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof ApplicationFailure a && MoveActivities.FAILURE_ABORT.equals(a.getType()) ? "source-changed" : "failed";
    }

    @Override
    public JobProgress progress() {
        int index = STEPS.indexOf(step) + 1;
        return new JobProgress(step, index, STEPS.size(), detail, pauseRequested, state);
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

    private void parkIfPaused() {
        if (!pauseRequested || committed) {
            return;
        }
        state = JobState.PAUSED;
        detail = "paused before step " + step;
        registry.markJob(request.cluster(), request.jobId(), JobState.PAUSED, detail);
        Workflow.await(() -> !pauseRequested);
        registry.markJob(request.cluster(), request.jobId(), JobState.RUNNING, "resumed");
        state = JobState.RUNNING;
    }

    private void enter(String next, String what) {
        step = next;
        detail = what;
        log.info("job-[{}] step {}: {}", request.jobId(), next, what);
    }
}
