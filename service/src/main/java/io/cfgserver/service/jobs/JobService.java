package io.cfgserver.service.jobs;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.BeginJob;
import io.cfgserver.registry.command.UpdateJob;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.service.temporal.TemporalConnector;
import io.cfgserver.workflows.JobProgress;
import io.cfgserver.workflows.Jobs;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and tracks jobs. The registry is the catalog and the lock (one topology-changing job per
 * cluster); Temporal runs them. A job is entered in the catalog first, then its workflow is
 * started with the job id as workflow id; if the start fails the entry is closed as FAILED.
 */
public final class JobService {
    private static final Logger LOG = LoggerFactory.getLogger(JobService.class);
    /** Every job kind, by type: a new job is an entry here. */
    private static final Map<String, JobKind> KINDS = Map.of(Jobs.ADD_REPLICA, new AddReplicaKind(),
            Jobs.MIGRATE_SLOTS, new MigrateSlotsKind());
    public static final Set<String> TYPES = new java.util.TreeSet<>(KINDS.keySet());
    /** Every job workflow answers these (the method names of its interface). */
    static final String PROGRESS_QUERY = "progress";
    static final String PAUSE_SIGNAL = "pause";
    static final String RESUME_SIGNAL = "resume";

    private final RegistryClient registry;
    private final TemporalConnector temporal;
    private final String taskQueue;
    private final Clock clock;

    public JobService(RegistryClient registry, TemporalConnector temporal, String taskQueue, Clock clock) {
        this.registry = registry;
        this.temporal = temporal;
        this.taskQueue = taskQueue;
        this.clock = clock;
    }

    /** A job as the API shows it: the catalog entry, plus what Temporal says when it can be asked. */
    public record JobView(Job job, String workflowStatus, Object progress, List<ActivityView> activities,
            String temporalError) {
    }

    public JobView start(String clusterName, String type, JobParams params) {
        if (type == null || type.isBlank()) {
            throw new JobException(422, "invalid", "type is missing: one of " + TYPES);
        }
        if (!TYPES.contains(type)) {
            throw new JobException(422, "invalid", "unknown job type '" + type + "': one of " + TYPES);
        }
        JobParams p = params == null ? new JobParams(Map.of()) : params;
        RegistryState state = registry.read();
        Cluster cluster = state.cluster(clusterName).orElseThrow(() -> new JobException(404, "not-found",
                "cluster-[" + clusterName + "] does not exist: GET /v1/clusters lists them"));
        return start(cluster, KINDS.get(type), p, state);
    }

    private JobView start(Cluster cluster, JobKind kind, JobParams p, RegistryState state) {
        for (String k : p.keys()) {
            if (!kind.params().contains(k)) {
                throw new JobException(422, "invalid", "unknown parameter '" + k + "' for " + kind.type() + "; known: "
                        + new java.util.TreeSet<>(kind.params()));
            }
        }
        JobKind.Prepared prepared = kind.prepare(state, cluster, p);
        WorkflowClient client = temporal.client().orElseThrow(() -> new JobException(503, "temporal-unavailable",
                "Temporal at " + temporal.target() + " is not reachable (" + temporal.lastError()
                        + "): jobs cannot start now. The registry and failover keep working; retry when "
                        + "/healthcheck on the admin port shows temporal healthy"));
        String jobId = prepared.jobId();
        registry.submit(new BeginJob(cluster.name(), jobId, kind.type(), jobId, p.asText(), kind.changesTopology(),
                clock.millis()));
        try {
            prepared.start(client, Jobs.workflowOptions(taskQueue, jobId, cluster.name(), kind.type()));
        } catch (RuntimeException e) {
            LOG.warn("-job-start-failed {}: {}", jobId, e.toString());
            registry.submit(new UpdateJob(cluster.name(), jobId, JobState.FAILED,
                    "could not start the workflow: " + e.getMessage(), clock.millis()));
            throw new JobException(503, "temporal-unavailable", "could not start the workflow of job-[" + jobId
                    + "] on Temporal at " + temporal.target() + ": " + e.getMessage());
        }
        return show(jobId);
    }

    public List<Job> list(String cluster) {
        RegistryState state = registry.read();
        if (state.cluster(cluster).isEmpty()) {
            throw new JobException(404, "not-found", "cluster-[" + cluster + "] does not exist");
        }
        return state.jobsOf(cluster);
    }

    public JobView show(String id) {
        Job job = job(id);
        return temporal.client().map(c -> describe(c, job))
                .orElseGet(() -> new JobView(job, null, null, List.of(), "Temporal unreachable: " + temporal.lastError()));
    }

    private JobView describe(WorkflowClient client, Job job) {
        String status = null;
        Object progress = null;
        List<ActivityView> activities = List.of();
        String error = null;
        try {
            DescribeWorkflowExecutionResponse d = client.getWorkflowServiceStubs().blockingStub()
                    .withDeadlineAfter(3, TimeUnit.SECONDS)
                    .describeWorkflowExecution(io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest
                            .newBuilder().setNamespace(client.getOptions().getNamespace())
                            .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                                    .setWorkflowId(job.workflowId()))
                            .build());
            status = d.getWorkflowExecutionInfo().getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "");
            activities = d.getPendingActivitiesList().stream().map(ActivityView::of).toList();
            WorkflowStub stub = client.newUntypedWorkflowStub(job.workflowId());
            CompletableFuture<JobProgress> q = CompletableFuture.supplyAsync(() -> stub.query(PROGRESS_QUERY, JobProgress.class));
            progress = q.get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            error = e.getMessage();
        }
        return new JobView(job, status, progress, activities, error);
    }

    /**
     * A running activity of the job's workflow and its last heartbeat (a long copy reports its counts,
     * rate and ETA there: {@code CopyProgress}), as the Temporal UI shows it.
     */
    public record ActivityView(String type, int attempt, String state, com.fasterxml.jackson.databind.JsonNode heartbeat,
            String lastFailure) {
        private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

        static ActivityView of(io.temporal.api.workflow.v1.PendingActivityInfo a) {
            com.fasterxml.jackson.databind.JsonNode details = null;
            if (a.hasHeartbeatDetails() && a.getHeartbeatDetails().getPayloadsCount() > 0) {
                try {
                    details = JSON.readTree(a.getHeartbeatDetails().getPayloads(0).getData().toByteArray());
                } catch (java.io.IOException | RuntimeException e) {
                    details = null; // not JSON: not shown
                }
            }
            return new ActivityView(a.getActivityType().getName(), a.getAttempt(),
                    a.getState().name().replace("PENDING_ACTIVITY_STATE_", ""), details,
                    a.hasLastFailure() ? a.getLastFailure().getMessage() : null);
        }
    }

    public JobView cancel(String id) {
        Job job = running(id, "cancel");
        stub(job).cancel();
        return show(id);
    }

    public JobView pause(String id) {
        stub(running(id, "pause")).signal(PAUSE_SIGNAL);
        return show(id);
    }

    public JobView resume(String id) {
        stub(running(id, "resume")).signal(RESUME_SIGNAL);
        return show(id);
    }

    private Job job(String id) {
        return registry.read().job(id).orElseThrow(() -> new JobException(404, "not-found",
                "job-[" + id + "] does not exist: GET /v1/clusters/{name}/jobs lists a cluster's jobs"));
    }

    private Job running(String id, String action) {
        Job job = job(id);
        if (job.state().terminal()) {
            throw new JobException(409, "conflict", job.logId() + " has finished as " + job.state() + ": nothing to " + action);
        }
        return job;
    }

    private WorkflowStub stub(Job job) {
        WorkflowClient client = temporal.client().orElseThrow(() -> new JobException(503, "temporal-unavailable",
                "Temporal at " + temporal.target() + " is not reachable (" + temporal.lastError() + "): retry later"));
        return client.newUntypedWorkflowStub(job.workflowId());
    }
}
