package io.cfgserver.activities.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.testing.RedisProcess;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/** {@link SourceFence} on a real redis-server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SourceFenceIT {
    @TempDir
    Path dir;
    RedisProcess source;
    final SourceFence fence = new SourceFence(2000);

    @BeforeEach
    void start() {
        source = RedisProcess.start(dir);
        try (Jedis j = source.jedis()) {
            j.configSet("min-replicas-max-lag", "7");
        }
    }

    @AfterEach
    void stop() {
        source.close();
    }

    @Test
    void theFenceRefusesWritesAfterThePauseEndsUntilItIsLifted() throws Exception {
        Address a = Address.parse(source.address());
        long offset = fence.pauseWrites(a, 100);
        assertThat(offset).isGreaterThanOrEqualTo(0);
        SourceFence.Saved saved = fence.fence(a, null);
        assertThat(saved).isEqualTo(new SourceFence.Saved(0, 7));
        assertThat(fence.fence(a, saved)).as("idempotent").isEqualTo(saved);
        Thread.sleep(200); // the pause has run out: only the fence holds writes now
        try (Jedis j = source.jedis()) {
            assertThat(j.get("k")).as("reads go on").isNull();
            assertThatThrownBy(() -> j.set("k", "v")).isInstanceOf(JedisDataException.class).hasMessageContaining("NOREPLICAS");
        }
        assertThat(fence.fenced(a)).isTrue();
        fence.lift(a, saved);
        assertThat(fence.fenced(a)).isFalse();
        try (Jedis j = source.jedis()) {
            assertThat(j.set("k", "v")).isEqualTo("OK");
            assertThat(j.configGet("min-replicas-max-lag").get("min-replicas-max-lag")).isEqualTo("7");
        }
    }

    @Test
    void aWritePausedByTheCutOverWaitsThenMeetsTheFence() throws Exception {
        Address a = Address.parse(source.address());
        fence.pauseWrites(a, 300);
        long t0 = System.nanoTime();
        Thread writer = new Thread(() -> {
            try (Jedis j = source.jedis()) {
                j.set("paused", "v");
            } catch (JedisDataException e) {
                // expected: NOREPLICAS once the pause ends
            }
        });
        writer.start();
        Thread.sleep(50);
        SourceFence.Saved saved = fence.fence(a, null);
        writer.join(5000);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("the write waited for the pause").isGreaterThanOrEqualTo(250);
        try (Jedis j = source.jedis()) {
            assertThat(j.exists("paused")).as("the paused write was refused by the fence, not applied").isFalse();
        }
        fence.lift(a, saved);
    }
}
