package io.cfgserver.activities.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A move's clean-up against real redis-servers: it deletes exactly the range, also when the
 * instance it was given has become a replica since (its group failed over during the move).
 */
class DeleteRangeIT {
    @TempDir
    Path dir;
    RedisProcess master;
    RedisProcess demoted;

    @AfterEach
    void stop() {
        if (master != null) {
            master.close();
        }
        if (demoted != null) {
            demoted.close();
        }
    }

    /** Writes keys k0..k{n-1}; returns how many fall in [from, to]. */
    static int load(Jedis j, int n, int from, int to) {
        int inRange = 0;
        for (int i = 0; i < n; i++) {
            String k = "k" + i;
            j.set(k, "v");
            int slot = Slots.slot(k.getBytes());
            if (slot >= from && slot <= to) {
                inRange++;
            }
        }
        return inRange;
    }

    @Test
    void deletesTheRangeOnTheMasterWhenGivenTheDemotedOldMaster() {
        master = RedisProcess.start(dir);
        demoted = RedisProcess.start(dir);
        int inRange;
        try (Jedis m = master.jedis(); Jedis d = demoted.jedis()) {
            inRange = load(m, 2000, 0, 511);
            assertThat(inRange).isBetween(1, 1999);
            d.replicaof("127.0.0.1", master.port());
            await().atMost(Duration.ofSeconds(20)).until(() -> d.dbSize() == 2000);
        }
        long deleted = new MoveActivitiesImpl().deleteRange(demoted.address(), 0, 511, 0);
        assertThat(deleted).isEqualTo(inRange);
        try (Jedis m = master.jedis(); Jedis d = demoted.jedis()) {
            assertThat(m.dbSize()).isEqualTo(2000 - inRange);
            await().atMost(Duration.ofSeconds(20)).until(() -> d.dbSize() == 2000 - inRange);
            assertThat(d.info("replication")).contains("role:slave");
        }
    }

    @Test
    void deletesTheRangeOnAMaster() {
        master = RedisProcess.start(dir);
        int inRange;
        try (Jedis m = master.jedis()) {
            inRange = load(m, 1000, 512, 1023);
        }
        assertThat(new MoveActivitiesImpl().deleteRange(master.address(), 512, 1023, 0)).isEqualTo(inRange);
        try (Jedis m = master.jedis()) {
            assertThat(m.dbSize()).isEqualTo(1000 - inRange);
        }
    }
}
