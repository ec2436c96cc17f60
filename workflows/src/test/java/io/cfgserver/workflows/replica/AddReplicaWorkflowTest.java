package io.cfgserver.workflows.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cfgserver.activities.redis.RedisActivities;
import io.cfgserver.registry.command.BeginJob;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Event;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.testing.InMemoryRegistryClient;
import io.cfgserver.workflows.JobProgress;
import io.cfgserver.workflows.Jobs;
import io.cfgserver.workflows.WorkerRegistration;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkflowImplementationOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The add-replica workflow on Temporal's in-memory test server, with the real registry
 * activities over an in-memory registry and a fake Redis.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AddReplicaWorkflowTest {
    private static final String CLUSTER = "c1";
    private static final String GROUP = "g1";
    private static final String MASTER = "10.0.0.1:6379";
    private static final String REPLICA = "10.0.0.2:6379";
    private static final String JOB = "job-add-1";
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final InMemoryRegistryClient registry = new InMemoryRegistryClient();
    private final FakeRedis redis = new FakeRedis();
    private TestWorkflowEnvironment env;
    private WorkflowClient client;

    @BeforeEach
    void start() {
        registry.given(new CreateCluster(CLUSTER, List.of(new GroupSpec(GROUP, Address.parse(MASTER), List.of())),
                List.of(), 1));
        registry.given(new BeginJob(CLUSTER, JOB, Jobs.ADD_REPLICA, JOB, Map.of("replica", REPLICA), true, 2));
        env = TestWorkflowEnvironment.newInstance();
        Jobs.SEARCH_ATTRIBUTES.forEach(key ->
                env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        Worker worker = env.newWorker(Jobs.TASK_QUEUE);
        // A short heartbeat timeout, so that the dead-worker test does not wait 10 s of real time.
        WorkerRegistration.register(worker, registry, redis, WorkflowImplementationOptions.newBuilder()
                .setActivityOptions(Map.of("RedisAwaitReplicaSynced", ActivityOptions.newBuilder()
                        .setHeartbeatTimeout(Duration.ofSeconds(1)).build()))
                .build());
        env.start();
        client = env.getWorkflowClient();
    }

    @AfterEach
    void stop() {
        redis.releaseSync();
        env.close();
    }

    @Test
    void attachesWaitsRegistersAndFinishesTheJob() {
        AddReplicaWorkflow job = newJob();

        AddReplicaResult result = job.run(AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA));

        assertThat(result).isEqualTo(new AddReplicaResult(JOB, CLUSTER, GROUP, REPLICA, MASTER));
        assertThat(redis.masterOf(REPLICA)).isEqualTo(MASTER);
        assertThat(group().replica(Address.parse(REPLICA))).isPresent();
        assertThat(catalogJob().state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(registry.read().events(CLUSTER)).extracting(Event::type)
                .containsSubsequence("+replica-sync-start", "+replica-synced", "+replica-added", "+job-done");
        JobProgress done = job.progress();
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.step()).isEqualTo("finish");
        assertThat(done.stepIndex()).isEqualTo(done.totalSteps());
    }

    @Test
    void carriesTheClusterAndJobTypeAsSearchAttributes() {
        AddReplicaWorkflow job = newJob();
        job.run(AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA));

        SearchAttributes attributes = WorkflowStub.fromTyped(job).describe().getTypedSearchAttributes();

        assertThat(attributes.get(Jobs.CLUSTER)).isEqualTo(CLUSTER);
        assertThat(attributes.get(Jobs.JOB_TYPE)).isEqualTo(Jobs.ADD_REPLICA);
    }

    @Test
    void reportsProgressWhileTheReplicaCatchesUp() {
        redis.holdSync();
        AddReplicaWorkflow job = newJob();
        WorkflowClient.start(job::run, AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA));

        await().atMost(WAIT).until(() -> redis.syncCalls.get() >= 1);
        JobProgress progress = job.progress();

        assertThat(progress.step()).isEqualTo("await-sync");
        assertThat(progress.stepIndex()).isEqualTo(3);
        assertThat(progress.totalSteps()).isEqualTo(5);
        assertThat(progress.state()).isEqualTo(JobState.RUNNING);
        assertThat(progress.paused()).isFalse();
        assertThat(progress.detail()).contains("instance-[" + REPLICA + "]").contains("instance-[" + MASTER + "]");
        redis.releaseSync();
        WorkflowStub.fromTyped(job).getResult(AddReplicaResult.class);
        assertThat(redis.syncCalls.get()).isEqualTo(1);
    }

    @Test
    void parksAtTheNextStepBoundaryWhenPausedAndGoesOnWhenResumed() {
        redis.holdSync();
        AddReplicaWorkflow job = newJob();
        WorkflowClient.start(job::run, AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA));
        await().atMost(WAIT).until(() -> redis.syncCalls.get() >= 1);

        job.pause();
        assertThat(job.progress().paused()).isTrue();
        assertThat(job.progress().state()).isEqualTo(JobState.RUNNING); // the running step is not interrupted
        redis.releaseSync();

        await().atMost(WAIT).until(() -> job.progress().state() == JobState.PAUSED);
        assertThat(job.progress().step()).isEqualTo("register");
        assertThat(catalogJob().state()).isEqualTo(JobState.PAUSED);
        assertThat(group().replicas()).isEmpty();

        job.resume();
        WorkflowStub.fromTyped(job).getResult(AddReplicaResult.class);
        assertThat(group().replica(Address.parse(REPLICA))).isPresent();
        assertThat(catalogJob().state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(registry.read().events(CLUSTER)).extracting(Event::type)
                .containsSubsequence("+job-pause", "+job-resume", "+job-done");
    }

    @Test
    void recordsTheJobAsFailedWhenTheReplicaCannotCatchUp() {
        redis.failSync(ApplicationFailure.newNonRetryableFailure("instance-[" + REPLICA + "] went away",
                RedisActivities.FAILURE_WRONG_ROLE));
        AddReplicaWorkflow job = newJob();

        assertThatThrownBy(() -> job.run(AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA)))
                .isInstanceOfSatisfying(WorkflowFailedException.class, e -> {
                    assertThat(e.getCause()).isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                        assertThat(f.getType()).isEqualTo(AddReplicaWorkflow.FAILURE_TYPE);
                        assertThat(f.getOriginalMessage()).contains("failed at step await-sync")
                                .contains("went away");
                    });
                });
        Job failed = catalogJob();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.message()).contains("await-sync").contains("went away");
        assertThat(group().replicas()).isEmpty();
        assertThat(job.progress().state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void failsWithoutTouchingRedisWhenTheGroupIsUnknown() {
        AddReplicaWorkflow job = newJob();

        assertThatThrownBy(() -> job.run(AddReplicaRequest.of(JOB, CLUSTER, "g9", REPLICA)))
                .isInstanceOf(WorkflowFailedException.class);

        assertThat(catalogJob().state()).isEqualTo(JobState.FAILED);
        assertThat(catalogJob().message()).contains("lookup-master").contains("group-[g9] does not exist");
        assertThat(redis.replicaOfCalls.get()).isZero();
    }

    @Test
    void detachesTheReplicaAndRecordsTheJobCancelledWhenCancelled() {
        redis.holdSync();
        AddReplicaWorkflow job = newJob();
        WorkflowClient.start(job::run, AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA));
        await().atMost(WAIT).until(() -> redis.syncCalls.get() >= 1);

        WorkflowStub.fromTyped(job).cancel();

        assertThatThrownBy(() -> WorkflowStub.fromTyped(job).getResult(AddReplicaResult.class))
                .isInstanceOfSatisfying(WorkflowFailedException.class,
                        e -> assertThat(e.getCause()).isInstanceOf(CanceledFailure.class));
        assertThat(redis.detached).containsExactly(REPLICA);
        assertThat(catalogJob().state()).isEqualTo(JobState.CANCELLED);
        assertThat(catalogJob().message()).contains("cancelled at step await-sync").contains("detached");
        assertThat(group().replicas()).isEmpty();
    }

    @Test
    void cancellingAJobPausedBeforeItsFirstChangeDetachesNothing() {
        AddReplicaWorkflow job = newJob();
        var start = client.newSignalWithStartRequest();
        start.add(job::run, AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA));
        start.add(job::pause);
        client.signalWithStart(start);
        await().atMost(WAIT).until(() -> job.progress().state() == JobState.PAUSED);

        WorkflowStub.fromTyped(job).cancel();

        assertThatThrownBy(() -> WorkflowStub.fromTyped(job).getResult(AddReplicaResult.class))
                .isInstanceOf(WorkflowFailedException.class);
        assertThat(redis.replicaOfCalls.get()).isZero();
        assertThat(redis.detached).isEmpty();
        assertThat(catalogJob().state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void retriesARetryableActivityFailure() {
        redis.replicaOfFailuresLeft.set(2);
        AddReplicaWorkflow job = newJob();

        job.run(AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA));

        assertThat(redis.replicaOfCalls.get()).isEqualTo(3);
        assertThat(catalogJob().state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void retriesTheSyncWaitOfAWorkerThatStoppedHeartbeating() {
        redis.hangFirstSyncAttempt();
        AddReplicaWorkflow job = newJob();

        job.run(AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA));

        assertThat(redis.syncCalls.get()).isEqualTo(2);
        assertThat(catalogJob().state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void retriesWhileTheRegistryHasNoLeader() {
        registry.failNextSubmits(2); // the first two submits: the +replica-sync-start event
        AddReplicaWorkflow job = newJob();

        job.run(AddReplicaRequest.of(JOB, CLUSTER, GROUP, REPLICA));

        assertThat(group().replica(Address.parse(REPLICA))).isPresent();
        assertThat(catalogJob().state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void refusesAnInvalidRequest() {
        AddReplicaWorkflow job = newJob();

        assertThatThrownBy(() -> job.run(new AddReplicaRequest(JOB, CLUSTER, GROUP, "no-port", 0, null, null, null)))
                .isInstanceOfSatisfying(WorkflowFailedException.class, e -> assertThat(e.getCause())
                        .hasMessageContaining("replica 'no-port' is not host:port"));
        assertThat(redis.replicaOfCalls.get()).isZero();
        assertThat(catalogJob().state()).isEqualTo(JobState.FAILED);
    }

    private AddReplicaWorkflow newJob() {
        return client.newWorkflowStub(AddReplicaWorkflow.class, Jobs.workflowOptions(JOB, CLUSTER, Jobs.ADD_REPLICA));
    }

    private Group group() {
        return registry.read().cluster(CLUSTER).orElseThrow().group(GROUP).orElseThrow();
    }

    private Job catalogJob() {
        return registry.read().job(JOB).orElseThrow();
    }
}
