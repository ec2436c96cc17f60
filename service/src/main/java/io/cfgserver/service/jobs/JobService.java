package io.cfgserver.service.jobs;

import io.cfgserver.activities.planning.ClusterPlanner;
import io.cfgserver.activities.planning.PlanResult;
import io.cfgserver.activities.planning.SlotSampler;
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
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
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
    /** Every job type: a new job is an entry here and in {@link #kinds}. */
    public static final Set<String> TYPES = new java.util.TreeSet<>(Set.of(Jobs.ADD_REPLICA, Jobs.MIGRATE_SLOTS,
            Jobs.SCALE_OUT, Jobs.SCALE_IN, Jobs.REBALANCE, Jobs.CONFIG_ROLLOUT));
    /** Job types a plan (dry run) can be made for. */
    public static final Set<String> PLANNED = new java.util.TreeSet<>(Set.of(Jobs.SCALE_OUT, Jobs.SCALE_IN, Jobs.REBALANCE));
    /** Every job workflow answers these (the method names of its interface). */
    static final String PROGRESS_QUERY = "progress";
    static final String PAUSE_SIGNAL = "pause";
    static final String RESUME_SIGNAL = "resume";

    private final RegistryClient registry;
    private final TemporalConnector temporal;
    private final String taskQueue;
    private final Clock clock;
    private final Map<String, JobKind> kinds;

    public JobService(RegistryClient registry, TemporalConnector temporal, String taskQueue, Clock clock) {
        this.registry = registry;
        this.temporal = temporal;
        this.taskQueue = taskQueue;
        this.clock = clock;
        ClusterPlanner planner = new ClusterPlanner(new SlotSampler(5000));
        this.kinds = Map.of(Jobs.ADD_REPLICA, new AddReplicaKind(), Jobs.MIGRATE_SLOTS, new MigrateSlotsKind(),
                Jobs.SCALE_OUT, new ScaleKind(Jobs.SCALE_OUT, planner), Jobs.SCALE_IN, new ScaleKind(Jobs.SCALE_IN, planner),
                Jobs.REBALANCE, new ScaleKind(Jobs.REBALANCE, planner), Jobs.CONFIG_ROLLOUT, new ConfigRolloutKind());
    }

    /** Scheduled rebalancing of this service's clusters. */
    public ScheduleService schedules() {
        return new ScheduleService(registry, temporal, taskQueue, (ScaleKind) kinds.get(Jobs.REBALANCE));
    }

    /** A started job, and whether this request started it (false: an earlier request with its idempotency key did). */
    public record Started(JobView view, boolean created) {
    }

    /**
     * The plan a scale job would run now, without running it: {@code POST /v1/clusters/{name}/plans}.
     * {@code start} is the body that runs exactly this plan (refused once the cluster changed).
     */
    public record PlanView(PlanResult plan, Map<String, Object> start) {
    }

    public PlanView plan(String clusterName, String type, JobParams params) {
        if (type == null || !PLANNED.contains(type)) {
            throw new JobException(422, "invalid", "plans are made for " + PLANNED + ", got type '" + type + "'");
        }
        JobParams p = params == null ? new JobParams(Map.of()) : params;
        RegistryState state = registry.read();
        Cluster cluster = cluster(state, clusterName);
        ScaleKind kind = (ScaleKind) kinds.get(type);
        checkKnown(kind, p);
        if (p.has("plan")) {
            throw new JobException(422, "invalid", "params.plan names a plan to run: give it to POST .../jobs, not .../plans");
        }
        PlanResult plan = kind.plan(state, cluster, p);
        Map<String, Object> startParams = new java.util.LinkedHashMap<>(p.asJson());
        startParams.put("plan", plan.id());
        return new PlanView(plan, Map.of("type", type, "params", startParams));
    }

    private static Cluster cluster(RegistryState state, String name) {
        return state.cluster(name).orElseThrow(() -> new JobException(404, "not-found",
                "cluster-[" + name + "] does not exist: GET /v1/clusters lists them"));
    }

    private static void checkKnown(JobKind kind, JobParams p) {
        for (String k : p.keys()) {
            if (!kind.params().contains(k)) {
                throw new JobException(422, "invalid", "unknown parameter '" + k + "' for " + kind.type() + "; known: "
                        + new java.util.TreeSet<>(kind.params()));
            }
        }
    }

    /** A job as the API shows it: the catalog entry, plus what Temporal says when it can be asked. */
    public record JobView(Job job, String workflowStatus, Object progress, List<ActivityView> activities,
            String temporalError) {
    }

    public JobView start(String clusterName, String type, JobParams params) {
        return start(clusterName, type, params, null).view();
    }

    /**
     * Starts a job. With an {@code idempotencyKey} (the {@code Idempotency-Key} header) the job id is
     * derived from it, so a retried request finds the job the first one started and returns it.
     */
    public Started start(String clusterName, String type, JobParams params, String idempotencyKey) {
        if (type == null || type.isBlank()) {
            throw new JobException(422, "invalid", "type is missing: one of " + TYPES);
        }
        if (!TYPES.contains(type)) {
            throw new JobException(422, "invalid", "unknown job type '" + type + "': one of " + TYPES);
        }
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 200)) {
            throw new JobException(422, "invalid", "the Idempotency-Key header must be 1-200 characters");
        }
        JobParams p = params == null ? new JobParams(Map.of()) : params;
        RegistryState state = registry.read();
        Cluster cluster = cluster(state, clusterName);
        String jobId = jobId(type, cluster.name(), idempotencyKey);
        Optional<Job> earlier = state.job(jobId);
        if (earlier.isPresent()) {
            if (!earlier.get().params().equals(p.asText())) {
                throw new JobException(422, "invalid", "Idempotency-Key '" + idempotencyKey + "' was used for "
                        + earlier.get().logId() + " with other params " + earlier.get().params() + ": use a new key");
            }
            return new Started(show(jobId), false);
        }
        return new Started(start(cluster, kinds.get(type), p, state, jobId), true);
    }

    private static String jobId(String type, String cluster, String idempotencyKey) {
        if (idempotencyKey == null) {
            return type + "-" + cluster + "-" + UUID.randomUUID().toString().substring(0, 8);
        }
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(
                    (type + "\n" + cluster + "\n" + idempotencyKey).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return type + "-" + cluster + "-k" + java.util.HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private JobView start(Cluster cluster, JobKind kind, JobParams p, RegistryState state, String jobId) {
        checkKnown(kind, p);
        JobKind.Prepared prepared = kind.prepare(state, cluster, p, jobId);
        WorkflowClient client = temporal.client().orElseThrow(() -> new JobException(503, "temporal-unavailable",
                "Temporal at " + temporal.target() + " is not reachable (" + temporal.lastError()
                        + "): jobs cannot start now. The registry and failover keep working; retry when "
                        + "/healthcheck on the admin port shows temporal healthy"));
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

    /**
     * The job's running activities and their last heartbeats only: one describe call, no workflow
     * query (which would need a workflow task of a worker); empty when Temporal does not answer.
     */
    public List<ActivityView> runningActivities(String id) {
        Job job = job(id);
        return temporal.client().map(c -> {
            try {
                return describeExecution(c, job).getPendingActivitiesList().stream().map(ActivityView::of).toList();
            } catch (RuntimeException e) {
                return List.<ActivityView>of();
            }
        }).orElse(List.of());
    }

    private static DescribeWorkflowExecutionResponse describeExecution(WorkflowClient client, Job job) {
        return client.getWorkflowServiceStubs().blockingStub()
                .withDeadlineAfter(3, TimeUnit.SECONDS)
                .describeWorkflowExecution(io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest
                        .newBuilder().setNamespace(client.getOptions().getNamespace())
                        .setExecution(io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                                .setWorkflowId(job.workflowId()))
                        .build());
    }

    private JobView describe(WorkflowClient client, Job job) {
        String status = null;
        Object progress = null;
        List<ActivityView> activities = List.of();
        String error = null;
        try {
            DescribeWorkflowExecutionResponse d = describeExecution(client, job);
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

    /**
     * Cancel: first the {@code cancelJob} Update, whose validator refuses (409, the workflow's reason) a
     * job past its commit point; then Temporal's cancel request. A workflow that predates the Update is
     * cancelled at once (past its commit point it ignores the cancel and finishes).
     */
    public JobView cancel(String id) {
        Job job = running(id, "cancel");
        control(job, io.cfgserver.workflows.JobControl.CANCEL, null, "cancel");
        stub(job).cancel();
        return show(id);
    }

    /**
     * Pause as a Workflow Update: answers once the workflow has taken it, or 409 with the workflow's own
     * reason when its validator refuses (past the commit point). A workflow that predates the update
     * (it does not know it) gets the signal instead.
     */
    public JobView pause(String id) {
        control(running(id, "pause"), io.cfgserver.workflows.JobControl.PAUSE, PAUSE_SIGNAL, "pause");
        return show(id);
    }

    public JobView resume(String id) {
        control(running(id, "resume"), io.cfgserver.workflows.JobControl.RESUME, RESUME_SIGNAL, "resume");
        return show(id);
    }

    private void control(Job job, String update, String signal, String action) {
        WorkflowStub stub = stub(job);
        try {
            stub.update(update, JobProgress.class);
        } catch (io.temporal.client.WorkflowUpdateException e) {
            String why = rootMessage(e);
            if (why != null && why.toLowerCase(java.util.Locale.ROOT).contains("unknown update")) {
                if (signal != null) {
                    stub.signal(signal); // started before jobs answered updates
                }
                return;
            }
            throw new JobException(409, "conflict", job.logId() + " refused to " + action + ": " + why);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t instanceof io.temporal.failure.TemporalFailure f ? f.getOriginalMessage() : t.getMessage();
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
