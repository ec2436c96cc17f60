package io.cfgserver.workflows.replica;

import io.cfgserver.activities.redis.RedisActivities;
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
import org.slf4j.Logger;

/**
 * One method per phase: {@link #run} walks the steps, {@link #failed} and {@link #cancelled} end
 * the job otherwise. Deterministic: state lives in fields, every effect is an activity.
 */
public class AddReplicaWorkflowImpl implements AddReplicaWorkflow {
    private static final Logger log = Workflow.getLogger(AddReplicaWorkflowImpl.class);

    private final RegistryActivities registry =
            Workflow.newActivityStub(RegistryActivities.class, ActivityProfiles.registry());
    private final RedisActivities redis =
            Workflow.newActivityStub(RedisActivities.class, ActivityProfiles.redisCommand());
    private final io.cfgserver.activities.config.ConfigActivities config = Workflow.newActivityStub(
            io.cfgserver.activities.config.ConfigActivities.class, ActivityProfiles.configStep());
    private final RedisActivities replicaSync =
            Workflow.newActivityStub(RedisActivities.class, ActivityProfiles.replicaSync());

    /** The change that set the cluster's config on the new replica: histories recorded before it do not have it. */
    static final String CONFIG_CHANGE_ID = "config-on-new-replica";

    private AddReplicaRequest request;
    private AddReplicaStep step = AddReplicaStep.LOOKUP_MASTER;
    private String detail = "starting";
    private JobState state = JobState.RUNNING;
    private boolean pauseRequested;
    /** REPLICAOF may have reached the instance: cancellation must detach it. */
    private boolean attachRequested;
    /** Registration started: from here on the job is neither paused nor cancelled. */
    private boolean committed;

    @Override
    public AddReplicaResult run(AddReplicaRequest requested) {
        AddReplicaRequest req = requested == null ? null : requested.withJobId(JobLock.jobId(requested.jobId()));
        this.request = req;
        String problem = req == null ? "the request is missing" : req.problem();
        if (problem != null) {
            throw invalid(req, problem);
        }
        JobLock.enter(registry, req.cluster(), req.jobId(), Jobs.ADD_REPLICA,
                java.util.Map.of("group", req.group(), "replica", req.replica()), req.parentJob());
        try {
            parkIfPaused(AddReplicaStep.LOOKUP_MASTER);
            enter(AddReplicaStep.LOOKUP_MASTER, "looking up the master of " + groupId());
            String master = registry.groupMaster(req.cluster(), req.group());

            if (parkIfPaused(AddReplicaStep.REPLICA_OF)) {
                master = registry.groupMaster(req.cluster(), req.group()); // it may have failed over meanwhile
            }
            if (Workflow.getVersion(CONFIG_CHANGE_ID, Workflow.DEFAULT_VERSION, 1) >= 1) {
                // the cluster's rolled-out config before it replicates (and long before it can be promoted)
                enter(AddReplicaStep.REPLICA_OF, "setting the cluster's config on " + instanceId(req.replica()));
                String applied = config.applyToNewInstance(req.cluster(), req.group(), req.replica());
                log.info("job-[{}] {}: {}", req.jobId(), instanceId(req.replica()), applied);
            }
            enter(AddReplicaStep.REPLICA_OF, instanceId(req.replica()) + " REPLICAOF " + instanceId(master));
            attachRequested = true;
            redis.replicaOf(req.replica(), master);
            registry.recordEvent(req.cluster(), "+replica-sync-start", instanceId(req.replica()),
                    "of " + groupId() + " from " + instanceId(master) + ", job-[" + req.jobId() + "]");

            parkIfPaused(AddReplicaStep.AWAIT_SYNC);
            enter(AddReplicaStep.AWAIT_SYNC, "waiting until " + instanceId(req.replica()) + " is at most "
                    + req.maxLagBytes() + " bytes behind " + instanceId(master));
            replicaSync.awaitReplicaSynced(req.replica(), master, req.maxLagBytes());
            registry.recordEvent(req.cluster(), "+replica-synced", instanceId(req.replica()),
                    "caught up with " + instanceId(master) + ", job-[" + req.jobId() + "]");

            parkIfPaused(AddReplicaStep.REGISTER);
            commit(master);
            state = JobState.SUCCEEDED;
            detail = instanceId(req.replica()) + " is a replica of " + groupId();
            return new AddReplicaResult(req.jobId(), req.cluster(), req.group(), req.replica(), master);
        } catch (TemporalFailure f) {
            if (!committed && (f instanceof CanceledFailure || CancellationScope.current().isCancelRequested())) {
                throw cancelled();
            }
            throw failed(f);
        }
    }

    @Override
    public JobProgress progress() {
        return new JobProgress(step.label(), step.index(), AddReplicaStep.total(), detail, pauseRequested, state);
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
        Rules.pause(state, committed, step.label());
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

    /** The commit point: register and finish, not cancellable (abort is legal only before it). */
    private void commit(String master) {
        committed = true;
        Workflow.newDetachedCancellationScope(() -> {
            enter(AddReplicaStep.REGISTER, "registering " + instanceId(request.replica()) + " in " + groupId());
            registry.registerReplica(request.cluster(), request.group(), request.replica(), request.priority(),
                    request.region());
            enter(AddReplicaStep.FINISH, "recording job-[" + request.jobId() + "] as succeeded");
            registry.finishJob(request.cluster(), request.jobId(), JobState.SUCCEEDED,
                    instanceId(request.replica()) + " replicates " + instanceId(master));
        }).run();
    }

    /** Parks before {@code next} while a pause is requested; returns whether it parked. */
    private boolean parkIfPaused(AddReplicaStep next) {
        if (!pauseRequested) {
            return false;
        }
        if (committed) {
            throw new IllegalStateException("a job cannot park after its commit point");
        }
        step = next;
        state = JobState.PAUSED;
        detail = "paused before " + next.label();
        log.info("job-[{}] paused before {}", request.jobId(), next.label());
        registry.markJob(request.cluster(), request.jobId(), JobState.PAUSED, "paused before " + next.label());
        Workflow.await(() -> !pauseRequested);
        registry.markJob(request.cluster(), request.jobId(), JobState.RUNNING, "resumed at " + next.label());
        state = JobState.RUNNING;
        log.info("job-[{}] resumed at {}", request.jobId(), next.label());
        return true;
    }

    private void enter(AddReplicaStep next, String what) {
        step = next;
        detail = what;
        log.info("job-[{}] step {}/{} {}: {}", request.jobId(), next.index(), AddReplicaStep.total(), next.label(),
                what);
    }

    /** Fails a job whose request is invalid; records it FAILED when it names a job, so its lock is released. */
    private ApplicationFailure invalid(AddReplicaRequest req, String problem) {
        String message = "add-replica request refused: " + problem;
        state = JobState.FAILED;
        detail = message;
        if (req != null && req.jobId() != null && !req.jobId().isBlank() && req.cluster() != null
                && !req.cluster().isBlank()) {
            try {
                registry.finishJob(req.cluster(), req.jobId(), JobState.FAILED, message);
            } catch (ActivityFailure e) {
                log.warn("job-[{}] could not be recorded as failed: {}", req.jobId(), JobLock.reason(e));
            }
        }
        return ApplicationFailure.newNonRetryableFailure(message, FAILURE_TYPE);
    }

    /** Records the job as failed (best effort) and returns the failure the workflow fails with. */
    private ApplicationFailure failed(TemporalFailure cause) {
        String message = "add-replica of " + instanceId(request.replica()) + " to " + groupId() + " failed at step "
                + step.label() + ": " + JobLock.reason(cause);
        state = JobState.FAILED;
        detail = message;
        log.warn("job-[{}] {}", request.jobId(), message);
        Workflow.newDetachedCancellationScope(() -> {
            try {
                registry.finishJob(request.cluster(), request.jobId(), JobState.FAILED, message);
            } catch (ActivityFailure e) {
                log.warn("job-[{}] could not be recorded as failed: {}", request.jobId(), JobLock.reason(e));
            }
        }).run();
        return ApplicationFailure.newNonRetryableFailureWithCause(message, FAILURE_TYPE, cause);
    }

    /**
     * Undoes the attach (unless the instance is a registered replica after all), records the job
     * as cancelled, and returns the failure that completes the workflow as cancelled.
     */
    private CanceledFailure cancelled() {
        AddReplicaStep at = step;
        state = JobState.CANCELLED;
        detail = "cancelled at step " + at.label();
        Workflow.newDetachedCancellationScope(() -> {
            String outcome = "";
            if (attachRequested) {
                try {
                    if (!registry.isReplicaRegistered(request.cluster(), request.group(), request.replica())) {
                        redis.detach(request.replica());
                        outcome = "; " + instanceId(request.replica()) + " detached (it keeps the data it copied)";
                    }
                } catch (ActivityFailure e) {
                    outcome = "; could not detach " + instanceId(request.replica()) + ": " + JobLock.reason(e);
                    log.warn("job-[{}] {}", request.jobId(), outcome);
                }
            }
            detail = "cancelled at step " + at.label() + outcome;
            try {
                registry.finishJob(request.cluster(), request.jobId(), JobState.CANCELLED, detail);
            } catch (ActivityFailure e) {
                log.warn("job-[{}] could not be recorded as cancelled: {}", request.jobId(), JobLock.reason(e));
            }
        }).run();
        log.info("job-[{}] {}", request.jobId(), detail);
        return new CanceledFailure("add-replica job-[" + request.jobId() + "] " + detail);
    }

    /** The innermost message of an activity failure (what the activity said, or the timeout). */

    private String groupId() {
        return "group-[" + request.group() + "] of cluster-[" + request.cluster() + "]";
    }

    private static String instanceId(String address) {
        return "instance-[" + address + "]";
    }
}
