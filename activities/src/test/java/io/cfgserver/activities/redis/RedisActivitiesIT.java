package io.cfgserver.activities.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.testing.FreePorts;
import io.cfgserver.testing.RedisProcess;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** {@link RedisActivitiesImpl} against two real redis-server processes, called as plain methods. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisActivitiesIT {
    private static final int KEYS = 500;

    @TempDir
    Path dir;
    private RedisProcess master;
    private RedisProcess replica;
    private final RedisActivitiesImpl redis = new RedisActivitiesImpl(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofMillis(100), Duration.ofSeconds(20));

    @BeforeEach
    void start() {
        master = RedisProcess.start(dir);
        replica = RedisProcess.start(dir);
        try (Jedis j = master.jedis()) {
            for (int i = 0; i < KEYS; i++) {
                j.set("key:" + i, "value-" + i);
            }
        }
    }

    @AfterEach
    void stop() {
        if (replica != null) {
            replica.close();
        }
        if (master != null) {
            master.close();
        }
    }

    @Test
    void copiesTheMastersKeysToAnEmptyReplica() {
        redis.replicaOf(replica.address(), master.address());
        redis.awaitReplicaSynced(replica.address(), master.address(), 0);

        try (Jedis j = replica.jedis()) {
            assertThat(j.dbSize()).isEqualTo(KEYS);
            assertThat(j.get("key:42")).isEqualTo("value-42");
        }
        InstanceState state = redis.inspect(replica.address());
        assertThat(state.role()).isEqualTo(InstanceState.Role.REPLICA);
        assertThat(state.replicates(master.address())).isTrue();
        assertThat(state.masterLinkUp()).isTrue();
        assertThat(redis.inspect(master.address()).connectedReplicas()).isEqualTo(1);
    }

    @Test
    void waitsForWritesMadeAfterTheFirstSync() {
        redis.replicaOf(replica.address(), master.address());
        redis.awaitReplicaSynced(replica.address(), master.address(), 0);
        try (Jedis j = master.jedis()) {
            j.set("late", "x".repeat(10_000));
        }

        redis.awaitReplicaSynced(replica.address(), master.address(), 0);

        try (Jedis j = replica.jedis()) {
            assertThat(j.get("late")).hasSize(10_000);
        }
    }

    @Test
    void attachingTwiceDoesNotResyncTheReplica() {
        redis.replicaOf(replica.address(), master.address());
        redis.awaitReplicaSynced(replica.address(), master.address(), 0);
        long fullSyncs = fullSyncs(master);

        redis.replicaOf(replica.address(), master.address());
        redis.awaitReplicaSynced(replica.address(), master.address(), 0);

        assertThat(fullSyncs).isEqualTo(1);
        assertThat(fullSyncs(master)).isEqualTo(1);
    }

    @Test
    void refusesToAttachAnInstanceThatHoldsKeys() {
        try (Jedis j = replica.jedis()) {
            j.set("precious", "data");
        }

        assertThatThrownBy(() -> redis.replicaOf(replica.address(), master.address()))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                    assertThat(f.isNonRetryable()).isTrue();
                    assertThat(f.getType()).isEqualTo(RedisActivities.FAILURE_REFUSED);
                    assertThat(f.getOriginalMessage()).contains("holds 1 keys").contains("FLUSHALL");
                });
        assertThat(redis.inspect(replica.address()).role()).isEqualTo(InstanceState.Role.MASTER);
        try (Jedis j = replica.jedis()) {
            assertThat(j.get("precious")).isEqualTo("data");
        }
    }

    @Test
    void refusesToAttachAnInstanceToItself() {
        assertThatThrownBy(() -> redis.replicaOf(replica.address(), replica.address()))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> assertThat(f.isNonRetryable()).isTrue());
    }

    @Test
    void refusesToAttachToAnInstanceThatIsNotAMaster() {
        redis.replicaOf(replica.address(), master.address());
        try (RedisProcess third = RedisProcess.start(dir)) {
            assertThatThrownBy(() -> redis.replicaOf(third.address(), replica.address()))
                    .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                        assertThat(f.isNonRetryable()).isTrue();
                        assertThat(f.getType()).isEqualTo(RedisActivities.FAILURE_WRONG_ROLE);
                    });
        }
    }

    @Test
    void waitingFailsAtOnceWhenTheReplicaFollowsNoMaster() {
        assertThatThrownBy(() -> redis.awaitReplicaSynced(replica.address(), master.address(), 0))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                    assertThat(f.isNonRetryable()).isTrue();
                    assertThat(f.getOriginalMessage()).contains("run replicaOf first");
                });
    }

    @Test
    void detachingKeepsTheDataAndCanBeRepeated() {
        redis.replicaOf(replica.address(), master.address());
        redis.awaitReplicaSynced(replica.address(), master.address(), 0);

        redis.detach(replica.address());
        redis.detach(replica.address());

        InstanceState state = redis.inspect(replica.address());
        assertThat(state.role()).isEqualTo(InstanceState.Role.MASTER);
        assertThat(state.dbSize()).isEqualTo(KEYS);
    }

    @Test
    void anUnreachableInstanceIsARetryableFailure() {
        String nobody = "127.0.0.1:" + FreePorts.next();

        assertThatThrownBy(() -> redis.inspect(nobody))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                    assertThat(f.isNonRetryable()).isFalse();
                    assertThat(f.getType()).isEqualTo(RedisActivities.FAILURE_UNREACHABLE);
                    assertThat(f.getOriginalMessage()).contains("instance-[" + nobody + "]");
                });
    }

    @Test
    void aReplicaKeepsFollowingItsMasterAfterARestart() {
        redis.replicaOf(replica.address(), master.address());
        redis.awaitReplicaSynced(replica.address(), master.address(), 0);

        master.kill9();
        master.restart();
        // Without persistence the master came back empty; the replica follows it and is emptied too.
        redis.awaitReplicaSynced(replica.address(), master.address(), 0);

        assertThat(redis.inspect(replica.address()).dbSize()).isZero();
    }

    private static long fullSyncs(RedisProcess redis) {
        try (Jedis j = redis.jedis()) {
            for (String line : j.info("stats").split("\r?\n")) {
                if (line.startsWith("sync_full:")) {
                    return Long.parseLong(line.substring("sync_full:".length()).trim());
                }
            }
        }
        throw new AssertionError("INFO stats of " + redis.address() + " has no sync_full");
    }
}
