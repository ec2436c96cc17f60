package io.cfgserver.workflows.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.activities.redis.RedisActivitiesImpl;
import io.cfgserver.registry.command.BeginJob;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.testing.InMemoryRegistryClient;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.workflows.Jobs;
import io.cfgserver.workflows.WorkerRegistration;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowFailedException;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** The add-replica job end to end on Temporal's test server, against two real redis-server processes. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AddReplicaWorkflowIT {
    private static final String JOB = "job-rebuild-1";

    @TempDir
    Path dir;
    private RedisProcess master;
    private RedisProcess replica;
    private final InMemoryRegistryClient registry = new InMemoryRegistryClient();
    private TestWorkflowEnvironment env;

    @BeforeEach
    void start() {
        master = RedisProcess.start(dir);
        replica = RedisProcess.start(dir);
        try (Jedis j = master.jedis()) {
            for (int i = 0; i < 1000; i++) {
                j.set("user:" + i, "v" + i);
            }
        }
        registry.given(new CreateCluster("shop", List.of(new GroupSpec("g1", Address.parse(master.address()),
                List.of())), List.of(), 1));
        registry.given(new BeginJob("shop", JOB, Jobs.ADD_REPLICA, JOB, Map.of(), true, 2));
        env = TestWorkflowEnvironment.newInstance();
        Jobs.SEARCH_ATTRIBUTES.forEach(key ->
                env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
        Worker worker = env.newWorker(Jobs.TASK_QUEUE);
        WorkerRegistration.register(worker, registry, new RedisActivitiesImpl(Duration.ofSeconds(1),
                Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(30)));
        env.start();
    }

    @AfterEach
    void stop() {
        env.close();
        replica.close();
        master.close();
    }

    @Test
    void rebuildsAReplicaThatHoldsTheMastersData() {
        AddReplicaResult result = newJob().run(new AddReplicaRequest(JOB, "shop", "g1", replica.address(), 0, 50, null, null));

        assertThat(result.master()).isEqualTo(master.address());
        try (Jedis j = replica.jedis()) {
            assertThat(j.dbSize()).isEqualTo(1000);
            assertThat(j.get("user:999")).isEqualTo("v999");
        }
        assertThat(registry.read().cluster("shop").orElseThrow().group("g1").orElseThrow()
                .replica(Address.parse(replica.address()))).hasValueSatisfying(r -> assertThat(r.priority()).isEqualTo(50));
        assertThat(job().state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void refusesToOverwriteAnInstanceThatHoldsData() {
        try (Jedis j = replica.jedis()) {
            j.set("precious", "data");
        }

        assertThatThrownBy(() -> newJob().run(AddReplicaRequest.of(JOB, "shop", "g1", replica.address())))
                .isInstanceOf(WorkflowFailedException.class);

        assertThat(job().state()).isEqualTo(JobState.FAILED);
        assertThat(job().message()).contains("failed at step replica-of").contains("holds 1 keys");
        try (Jedis j = replica.jedis()) {
            assertThat(j.get("precious")).isEqualTo("data");
        }
    }

    private AddReplicaWorkflow newJob() {
        return env.getWorkflowClient().newWorkflowStub(AddReplicaWorkflow.class,
                Jobs.workflowOptions(JOB, "shop", Jobs.ADD_REPLICA));
    }

    private Job job() {
        return registry.read().job(JOB).orElseThrow();
    }
}
