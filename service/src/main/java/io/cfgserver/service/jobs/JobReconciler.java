package io.cfgserver.service.jobs;

import io.cfgserver.activities.migration.MoveActivitiesImpl;
import io.cfgserver.activities.migration.SourceFence;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.EndMigration;
import io.cfgserver.registry.command.UpdateJob;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.registry.topology.Migration;
import io.cfgserver.registry.topology.MigrationState;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.service.temporal.TemporalConnector;
import io.dropwizard.lifecycle.Managed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the registry leader, closes catalog entries whose workflow ended without saying so: a workflow
 * terminated from the Temporal UI or CLI, one that hit its execution timeout, one that never started
 * or was deleted. Those run no workflow code, so without this their job would hold the cluster's lock
 * forever. A slot move left behind is finished the way its workflow would have: before its commit
 * the source's fence is lifted, the move aborted and the copied range deleted from the target; after
 * it, the fence lifted, the range deleted from the source, the move ended.
 */
public final class JobReconciler implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(JobReconciler.class);

    private final RegistryClient registry;
    private final TemporalConnector temporal;
    private final BooleanSupplier leader;
    private final Clock clock;
    private final long intervalMillis;
    private final long graceMillis;
    private final MoveActivitiesImpl redis = new MoveActivitiesImpl();
    private ScheduledExecutorService timer;

    /**
     * @param graceMillis a job younger than this is left alone (the REST service enters a job just
     *                    before it starts its workflow)
     */
    public JobReconciler(RegistryClient registry, TemporalConnector temporal, BooleanSupplier leader, Clock clock,
            long intervalMillis, long graceMillis) {
        this.registry = registry;
        this.temporal = temporal;
        this.leader = leader;
        this.clock = clock;
        this.intervalMillis = intervalMillis;
        this.graceMillis = graceMillis;
    }

    @Override
    public void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "job-reconciler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::safeRound, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void safeRound() {
        try {
            round();
        } catch (RuntimeException e) {
            LOG.debug("job reconciliation round failed: {}", e.toString());
        }
    }

    /** One pass over the unfinished jobs; returns how many it closed. */
    public int round() {
        Optional<WorkflowClient> client = temporal.client();
        if (!leader.getAsBoolean() || client.isEmpty()) {
            return 0;
        }
        RegistryState state = registry.read();
        int closed = 0;
        for (Job job : state.jobs().values()) {
            if (job.state().terminal() || clock.millis() - job.updatedMillis() < graceMillis) {
                continue;
            }
            String ended = ended(client.get(), job);
            if (ended == null) {
                continue;
            }
            JobState end = ended.equals("CANCELED") ? JobState.CANCELLED
                    : ended.equals("COMPLETED") ? JobState.SUCCEEDED : JobState.FAILED;
            String cleanup = cleanUpMove(state, job);
            String message = "its workflow ended as " + ended + " without closing the job; closed by the reconciler"
                    + cleanup;
            LOG.warn("-job-reconciled {}: {}", job.logId(), message);
            registry.submit(new UpdateJob(job.cluster(), job.id(), end, message, clock.millis()));
            closed++;
        }
        return closed;
    }

    /** The status of a workflow that is closed ({@code TERMINATED}, ...), {@code NOT_FOUND}, or null while it runs. */
    private static String ended(WorkflowClient client, Job job) {
        try {
            WorkflowExecutionStatus status = client.getWorkflowServiceStubs().blockingStub()
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                            .setNamespace(client.getOptions().getNamespace())
                            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(job.workflowId()))
                            .build())
                    .getWorkflowExecutionInfo().getStatus();
            return switch (status) {
                case WORKFLOW_EXECUTION_STATUS_RUNNING, WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW,
                        WORKFLOW_EXECUTION_STATUS_UNSPECIFIED, UNRECOGNIZED -> null;
                default -> status.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
            };
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() == Status.Code.NOT_FOUND ? "NOT_FOUND" : null;
        }
    }

    /** Ends the job's slot move, if it left one; says what was done. */
    private String cleanUpMove(RegistryState state, Job job) {
        Optional<Cluster> cluster = state.cluster(job.cluster());
        Optional<Migration> move = cluster.flatMap(c -> c.migration(job.id()));
        if (move.isEmpty()) {
            return "";
        }
        Cluster c = cluster.get();
        Migration m = move.get();
        Group source = c.group(m.source()).orElse(null);
        Group target = c.group(m.target()).orElse(null);
        if (source == null || target == null) {
            return "; " + m.logId() + " names a group that is gone: end it by hand";
        }
        String sourceMaster = source.master().address().toString();
        try {
            redis.lift(sourceMaster, new SourceFence.Saved(c.policy().minReplicasToWrite(),
                    c.policy().minReplicasMaxLagSeconds()));
            if (m.state() == MigrationState.COMMITTED) {
                redis.deleteRange(sourceMaster, m.from(), m.to(), 0);
                registry.submit(new EndMigration(c.name(), job.id(), false, "done", "finished by the reconciler", clock.millis()));
                return "; " + m.logId() + " had committed: fence lifted, moved keys deleted from the source, move ended";
            }
            registry.submit(new EndMigration(c.name(), job.id(), true, "reconciled", "its workflow ended", clock.millis()));
            redis.deleteRange(target.master().address().toString(), m.from(), m.to(), 0);
            return "; " + m.logId() + " had not committed: fence lifted, move aborted, copied keys deleted from the target";
        } catch (RuntimeException e) {
            return "; could not finish " + m.logId() + ": " + e.getMessage();
        }
    }
}
