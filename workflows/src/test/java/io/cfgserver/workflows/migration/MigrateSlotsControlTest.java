package io.cfgserver.workflows.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cfgserver.activities.migration.Held;
import io.cfgserver.activities.migration.MoveActivities;
import io.cfgserver.activities.migration.MoveSpec;
import io.cfgserver.activities.migration.SourceFence;
import io.cfgserver.activities.registry.MovePlan;
import io.cfgserver.activities.registry.MoveRegistryActivities;
import io.cfgserver.activities.registry.RegistryActivitiesImpl;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.testing.InMemoryRegistryClient;
import io.cfgserver.workflows.JobControl;
import io.cfgserver.workflows.JobProgress;
import io.cfgserver.workflows.Jobs;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pause/resume/cancel Updates of a move on Temporal's in-memory test server, with the real
 * registry activities over an in-memory registry and fakes for the data half (no Redis here: the
 * end-to-end tests move real keys). The fakes hold the job where a test needs it: in its copy, or in
 * its cleanup after the commit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MigrateSlotsControlTest {
    private static final String CLUSTER = "c1";
    private static final String JOB = "move-1";

    private final InMemoryRegistryClient registry = new InMemoryRegistryClient();
    private final CountDownLatch copyMayEnd = new CountDownLatch(1);
    private final CountDownLatch cleanupMayEnd = new CountDownLatch(1);
    private TestWorkflowEnvironment env;
    private WorkflowClient client;

    /** The registry half of a move, recorded only as far as these tests need. */
    final class FakeMoveRegistry implements MoveRegistryActivities {
        @Override
        public MovePlan begin(String cluster, String job, int from, int to, String target) {
            return new MovePlan("g1", "g2", 1, 1, "10.0.0.1:6379", "10.0.0.1:6379", "10.0.0.2:6379", 1, "", 0, 10);
        }

        @Override
        public long commit(String cluster, String job, long sourceEpoch, long targetEpoch) {
            return 2;
        }

        @Override
        public void awaitProxies(String cluster, long version, long stampedAtMillis) {
        }

        @Override
        public long cutOver(String cluster, String job, long sourceEpoch, long targetEpoch, long stampedAtMillis,
                String sourceMaster, SourceFence.Saved saved) {
            return 2;
        }

        @Override
        public boolean abort(String cluster, String job, String outcome, String message) {
            return true;
        }

        @Override
        public void end(String cluster, String job, boolean aborted, String outcome, String message) {
        }
    }

    /** The data half: the copy waits for {@link #copyMayEnd}, the source's cleanup for {@link #cleanupMayEnd}. */
    final class FakeMove implements MoveActivities {
        @Override
        public Held copyAndHold(MoveSpec spec) {
            await(copyMayEnd);
            return new Held(new SourceFence.Saved(0, 10), 100, 1000, 1, 0, 5, new Held.Phases(100, 1000, 10, 0, 0, 0));
        }

        @Override
        public void lift(String source, SourceFence.Saved saved) {
        }

        @Override
        public long deleteRange(String address, int from, int to, long maxKeysPerSecond) {
            if (address.equals("10.0.0.1:6379")) {
                await(cleanupMayEnd);
            }
            return 100;
        }

        private void await(CountDownLatch latch) {
            try {
                while (!latch.await(200, TimeUnit.MILLISECONDS)) {
                    io.temporal.activity.Activity.getExecutionContext().heartbeat(null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @BeforeEach
    void start() {
        registry.given(new CreateCluster(CLUSTER, List.of(new GroupSpec("g1", Address.parse("10.0.0.1:6379"), List.of()),
                new GroupSpec("g2", Address.parse("10.0.0.2:6379"), List.of())), List.of(), 1));
        env = TestWorkflowEnvironment.newInstance();
        Jobs.SEARCH_ATTRIBUTES.forEach(key ->
                env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        Worker worker = env.newWorker(Jobs.TASK_QUEUE);
        worker.registerWorkflowImplementationTypes(MigrateSlotsWorkflowImpl.class);
        worker.registerActivitiesImplementations(new RegistryActivitiesImpl(registry), new FakeMoveRegistry(), new FakeMove());
        env.start();
        client = env.getWorkflowClient();
    }

    @AfterEach
    void stop() {
        copyMayEnd.countDown();
        cleanupMayEnd.countDown();
        env.close();
    }

    private WorkflowStub startMove() {
        MigrateSlotsWorkflow move = client.newWorkflowStub(MigrateSlotsWorkflow.class,
                Jobs.workflowOptions(JOB, CLUSTER, Jobs.MIGRATE_SLOTS));
        WorkflowClient.start(move::run, MigrateSlotsRequest.of(null, CLUSTER, 0, 127, "g2", null));
        return WorkflowStub.fromTyped(move);
    }

    private static String step(WorkflowStub stub) {
        return stub.query("progress", JobProgress.class).step();
    }

    @Test
    void pastItsCommitPointAMoveRefusesPauseAndCancelWithTheReason() {
        WorkflowStub stub = startMove();
        copyMayEnd.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> step(stub).equals("cleanup"));

        assertThatThrownBy(() -> stub.update(JobControl.PAUSE, JobProgress.class))
                .isInstanceOf(WorkflowUpdateException.class).rootCause().hasMessageContaining("past its commit point");
        assertThatThrownBy(() -> stub.update(JobControl.CANCEL, JobProgress.class))
                .isInstanceOf(WorkflowUpdateException.class).rootCause().hasMessageContaining("cannot be paused or cancelled");

        cleanupMayEnd.countDown();
        MigrateSlotsResult result = stub.getResult(MigrateSlotsResult.class);
        assertThat(result.version()).isEqualTo(2);
        assertThat(registry.read().job(JOB).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
        assertThatThrownBy(() -> stub.update(JobControl.PAUSE, JobProgress.class)).isInstanceOf(Exception.class);
    }

    @Test
    void beforeItsCommitAMoveTakesAPauseAndRefusesAResumeOfARunningJob() {
        WorkflowStub stub = startMove();
        await().atMost(Duration.ofSeconds(20)).until(() -> step(stub).equals("copy"));

        assertThatThrownBy(() -> stub.update(JobControl.RESUME, JobProgress.class))
                .isInstanceOf(WorkflowUpdateException.class).rootCause().hasMessageContaining("not paused");
        JobProgress paused = stub.update(JobControl.PAUSE, JobProgress.class);
        assertThat(paused.paused()).isTrue();
        assertThat(stub.update(JobControl.CANCEL, JobProgress.class).step()).as("a cancel may go ahead").isEqualTo("copy");
        assertThat(stub.update(JobControl.RESUME, JobProgress.class).paused()).isFalse();

        copyMayEnd.countDown();
        cleanupMayEnd.countDown();
        stub.getResult(MigrateSlotsResult.class);
        assertThat(registry.read().job(JOB).orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
    }
}
