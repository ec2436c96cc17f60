package io.cfgserver.workflows.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cfgserver.activities.config.ConfigActivities;
import io.cfgserver.activities.config.InstanceApplied;
import io.cfgserver.activities.config.RolloutPlan;
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
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rollout's control flow on Temporal's in-memory test server: the real registry activities over an
 * in-memory registry, a fake for the Redis and proxy steps (ConfigEndToEndIT does those for real).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfigRolloutControlTest {
    private static final String CLUSTER = "c1";
    private static final String JOB = "rollout-1";

    private final InMemoryRegistryClient registry = new InMemoryRegistryClient();
    private final List<String> applied = new CopyOnWriteArrayList<>();
    private final List<String> proxies = new CopyOnWriteArrayList<>();
    /** Groups whose next apply is refused. */
    private final Set<String> refuse = ConcurrentHashMap.newKeySet();
    private volatile long rolledOut;
    private TestWorkflowEnvironment env;
    private WorkflowClient client;

    final class FakeConfig implements ConfigActivities {
        @Override
        public RolloutPlan plan(String cluster, long version, String canary) {
            return new RolloutPlan(7, canary == null ? List.of("g1", "g2", "g3") : List.of(canary, "g2", "g3"),
                    List.of("p1", "p2"), true);
        }

        @Override
        public List<InstanceApplied> applyGroup(String cluster, long version, String group) {
            if (refuse.remove(group)) {
                throw ApplicationFailure.newNonRetryableFailure("instance-[10.0.0.2:6379] (replica of group-[" + group
                        + "]) refused config version 7: ERR unknown command 'CONFIG'", FAILURE_REFUSED);
            }
            applied.add(group);
            return List.of(new InstanceApplied("10.0.0.9:6379", "master", "set", "2 parameters set"));
        }

        @Override
        public String applyProxy(String cluster, long version, String proxy) {
            proxies.add(proxy);
            return proxy;
        }

        @Override
        public void markRolledOut(String cluster, long version, String job) {
            rolledOut = version;
        }

        @Override
        public String applyToNewInstance(String cluster, String group, String address) {
            return "";
        }
    }

    @BeforeEach
    void start() {
        registry.given(new CreateCluster(CLUSTER, List.of(new GroupSpec("g1", Address.parse("10.0.0.1:6379"), List.of()),
                new GroupSpec("g2", Address.parse("10.0.0.2:6379"), List.of()),
                new GroupSpec("g3", Address.parse("10.0.0.3:6379"), List.of())), List.of(), 1));
        env = TestWorkflowEnvironment.newInstance();
        Jobs.SEARCH_ATTRIBUTES.forEach(key ->
                env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        Worker worker = env.newWorker(Jobs.TASK_QUEUE);
        worker.registerWorkflowImplementationTypes(ConfigRolloutWorkflowImpl.class);
        worker.registerActivitiesImplementations(new RegistryActivitiesImpl(registry), new FakeConfig());
        env.start();
        client = env.getWorkflowClient();
    }

    @AfterEach
    void stop() {
        env.close();
    }

    private WorkflowStub start(String canary, int parallel) {
        ConfigRolloutWorkflow w = client.newWorkflowStub(ConfigRolloutWorkflow.class,
                Jobs.workflowOptions(JOB, CLUSTER, Jobs.CONFIG_ROLLOUT));
        WorkflowClient.start(w::run, new ConfigRolloutRequest(null, CLUSTER, 0, canary, parallel));
        return WorkflowStub.fromTyped(w);
    }

    private JobState jobState() {
        return registry.read().job(JOB).map(j -> j.state()).orElse(null);
    }

    @Test
    void aCanaryWaitsForAResumeAndAFailedGroupStopsTheJobUntilTheNextResume() {
        refuse.add("g3");
        WorkflowStub stub = start("g1", 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> jobState() == JobState.PAUSED);
        assertThat(applied).containsExactly("g1");
        assertThat(registry.read().job(JOB).orElseThrow().message()).contains("canary group-[g1]");
        stub.update(JobControl.RESUME, JobProgress.class);

        // g2 and g3 go together (parallel 2); g3 is refused: the job stops with the instance and the reason
        await().atMost(Duration.ofSeconds(20)).until(() -> jobState() == JobState.PAUSED && applied.contains("g2"));
        assertThat(registry.read().job(JOB).orElseThrow().message()).contains("instance-[10.0.0.2:6379]")
                .contains("unknown command").contains("[g3] will be tried again");
        assertThat(proxies).as("no proxy restarts before every group has the config").isEmpty();
        assertThat(rolledOut).isZero();

        // resume: only the failed group again, then the proxies one by one, then rolled out
        stub.update(JobControl.RESUME, JobProgress.class);
        ConfigRolloutResult result = stub.getResult(ConfigRolloutResult.class);
        assertThat(applied).containsExactly("g1", "g2", "g3");
        assertThat(proxies).containsExactly("p1", "p2");
        assertThat(result.instances()).hasSize(3);
        assertThat(rolledOut).isEqualTo(7);
        assertThat(jobState()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void aCancelWhileStoppedEndsTheJobAndSaysWhatWasDone() {
        refuse.add("g2");
        WorkflowStub stub = start(null, 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> jobState() == JobState.PAUSED);
        assertThat(applied).containsExactly("g1");
        stub.update(JobControl.CANCEL, JobProgress.class);
        stub.cancel();
        assertThatThrownBy(() -> stub.getResult(ConfigRolloutResult.class)).isInstanceOf(WorkflowFailedException.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> jobState() == JobState.CANCELLED);
        assertThat(registry.read().job(JOB).orElseThrow().message()).contains("groups done: [g1]");
        assertThat(rolledOut).isZero();
        assertThat(proxies).isEmpty();
    }
}
