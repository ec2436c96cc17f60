package io.cfgserver.workflows;

import io.cfgserver.registry.topology.JobState;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;

/**
 * What every job workflow answers besides its run: the {@code progress} query, and pause and resume
 * as Workflow Updates: the caller gets the job's
 * progress once the workflow has taken the request, or the validator's reason when it refuses (a
 * pause after the commit point, a resume of a job not paused) — nothing is written to the history
 * then. The {@code pause}/{@code resume} signals stay for workflows started before the updates.
 */
public interface JobControl {
    String PAUSE = "pauseJob";
    String RESUME = "resumeJob";
    String CANCEL = "cancelJob";

    @QueryMethod
    JobProgress progress();

    /** The signal of workflows that predate {@link #pauseJob}: parks the job at its next step boundary. */
    @SignalMethod
    void pause();

    @SignalMethod
    void resume();

    /** Asks the job to park at its next step boundary; answers with its progress. */
    @UpdateMethod(name = PAUSE)
    JobProgress pauseJob();

    /** Refuses a pause the job cannot honour (past its commit point, finished); the message says why. */
    @UpdateValidatorMethod(updateName = PAUSE)
    void validatePauseJob();

    @UpdateMethod(name = RESUME)
    JobProgress resumeJob();

    /** Refuses a resume of a job that is neither paused nor asked to pause. */
    @UpdateValidatorMethod(updateName = RESUME)
    void validateResumeJob();

    /**
     * The check before a cancel: the service sends it, then Temporal's cancel request. Accepted, it
     * changes nothing; refused, the job is past its commit point (a cancel would be ignored: it only
     * goes forward) or finished, and the caller is told why instead of cancelling.
     */
    @UpdateMethod(name = CANCEL)
    default JobProgress cancelJob() {
        return progress();
    }

    /** The same rules as a pause: a job past its commit point or finished cannot be cancelled. */
    @UpdateValidatorMethod(updateName = CANCEL)
    default void validateCancelJob() {
        validatePauseJob();
    }

    /** The validators' rules, shared by every job. */
    final class Rules {
        private Rules() {
        }

        /** Refuses a pause of a finished job, or of one past its commit point ({@code step} names where it is). */
        public static void pause(JobState state, boolean committed, String step) {
            if (state.terminal()) {
                throw new IllegalStateException("the job has finished as " + state + ": nothing to pause or cancel");
            }
            if (committed) {
                throw new IllegalStateException("the job is past its commit point (step " + step + "): it only goes"
                        + " forward now, it cannot be paused or cancelled");
            }
        }

        public static void resume(JobState state, boolean pauseRequested) {
            if (!pauseRequested && state != JobState.PAUSED) {
                throw new IllegalStateException("the job is " + state + " and not paused: nothing to resume");
            }
        }
    }
}
