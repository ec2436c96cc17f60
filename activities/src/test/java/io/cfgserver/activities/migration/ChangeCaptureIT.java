package io.cfgserver.activities.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/** {@link ChangeCapture} against a real master and replica (redis-server 7.0). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChangeCaptureIT {
    static final int FROM = 0;
    static final int TO = 511;
    static final Duration TIMEOUT = Duration.ofMillis(300);

    @TempDir
    Path dir;
    RedisProcess master;
    RedisProcess replica;
    final List<ChangeCapture> captures = new ArrayList<>();

    @BeforeEach
    void start() {
        master = RedisProcess.start(dir);
        replica = RedisProcess.start(dir);
        try (Jedis r = replica.jedis()) {
            r.replicaof("127.0.0.1", master.port());
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> info(replica).contains("master_link_status:up"));
    }

    @AfterEach
    void stop() {
        captures.forEach(ChangeCapture::close);
        replica.close();
        master.close();
    }

    static String info(RedisProcess r) {
        try (Jedis j = r.jedis()) {
            return j.info("replication");
        } catch (RuntimeException e) {
            return "";
        }
    }

    static long masterOffset(RedisProcess r) {
        return Long.parseLong(ChangeCapture.info(info(r)).get("master_repl_offset"));
    }

    ChangeCapture capture(RedisProcess from) throws Exception {
        ChangeCapture c = ChangeCapture.start(Address.parse(from.address()), FROM, TO, TIMEOUT);
        captures.add(c);
        return c;
    }

    /** {@code n} keys with the prefix, inside the range ({@code inside}) or outside it. */
    static List<String> keys(String prefix, int n, boolean inside) {
        List<String> out = new ArrayList<>();
        for (int i = 0; out.size() < n; i++) {
            String k = prefix + i;
            int s = Slots.slot(k);
            if ((s >= FROM && s <= TO) == inside) {
                out.add(k);
            }
        }
        return out;
    }

    static Set<String> drained(ChangeCapture c) {
        Set<String> out = new TreeSet<>();
        for (byte[] k : c.drainDirty(1_000_000)) {
            out.add(new String(k, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void marksExactlyTheKeysOfTheRangeThatCommandsTouch() throws Exception {
        List<String> in = keys("in:", 12, true);
        List<String> out = keys("out:", 6, false);
        try (Jedis m = master.jedis()) {
            m.set(in.get(6), "there before the capture");
        }
        ChangeCapture c = capture(replica);
        Set<String> expected = new TreeSet<>();
        try (Jedis m = master.jedis()) {
            m.set(in.get(0), "a");
            m.set(out.get(0), "a");
            m.mset(in.get(1), "b", out.get(1), "b", in.get(2), "c");          // multi-key, mixed
            m.incr(in.get(3));
            m.hset(in.get(4), Map.of("f", "v"));
            m.lpush(in.get(5), "x");
            m.expire(in.get(0), 100);
            m.del(in.get(6), out.get(2));                                       // a DEL that removes nothing is not replicated
            m.del(in.get(11));
            m.zadd(out.get(3), 1, "m");
            m.zunionstore(in.get(7), out.get(3));                               // movable keys: dest in range
            m.eval("redis.call('SET', KEYS[1], 'lua')", 1, in.get(8));          // effects replication
            Transaction t = m.multi();
            t.set(in.get(9), "tx");
            t.sadd(out.get(4), "s");
            t.exec();
            m.set("{" + in.get(10) + "}:tagged", "t");                          // hash tag decides the slot
            m.select(15);
            m.set("cfgserver:stamp", "{}");                                     // the controller's stamp: ignored
            m.select(0);
            expected.addAll(List.of(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), in.get(6),
                    in.get(7), in.get(8), in.get(9), "{" + in.get(10) + "}:tagged"));
        }
        assertThat(c.awaitOffset(masterOffset(master), Duration.ofSeconds(10))).as("%s", c.failure()).isTrue();
        assertThat(drained(c)).isEqualTo(expected);
        assertThat(c.failure()).isEmpty();
        assertThat(c.dirtyCount()).isZero();
    }

    @Test
    void keepsUpWithAWriterAndMissesNothing() throws Exception {
        ChangeCapture c = capture(replica);
        List<String> in = keys("w:", 5000, true);
        try (Jedis m = master.jedis()) {
            var p = m.pipelined();
            for (String k : keys("w:", 20000, true)) {
                p.set(k, "v");
            }
            for (String k : keys("o:", 20000, false)) {
                p.set(k, "v");
            }
            p.sync();
        }
        assertThat(c.awaitOffset(masterOffset(master), Duration.ofSeconds(20))).as("%s", c.failure()).isTrue();
        Set<String> got = drained(c);
        assertThat(got).hasSize(20000).containsAll(in).allMatch(k -> k.startsWith("w:"));
    }

    @Test
    void aFlushAbortsTheMoveWithItsReason() throws Exception {
        ChangeCapture c = capture(replica);
        try (Jedis m = master.jedis()) {
            m.flushAll();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> c.failure().isPresent());
        assertThat(c.failure().get().reason()).contains("FLUSHALL");
        assertThat(c.failure().get().abortsMove()).isTrue();
    }

    @Test
    void aWriteToAnotherDatabaseAbortsTheMove() throws Exception {
        ChangeCapture c = capture(replica);
        try (Jedis m = master.jedis()) {
            m.select(3);
            m.set("x", "y");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> c.failure().isPresent());
        assertThat(c.failure().get().reason()).contains("database 3");
    }

    @Test
    void aBrokenStreamIsAFailureNeverASilentStop() throws Exception {
        ChangeCapture c = capture(replica);
        replica.kill9();
        await().atMost(Duration.ofSeconds(10)).until(() -> c.failure().isPresent());
        assertThat(c.failure().get().reason()).contains("broke");
        assertThat(c.failure().get().abortsMove()).isFalse();
    }

    @Test
    void onAMasterTheCaptureIsNoReplicaForWait() throws Exception {
        replica.close();
        await().atMost(Duration.ofSeconds(20)).until(() -> info(master).contains("connected_slaves:0"));
        ChangeCapture c = capture(master);
        String k = keys("m:", 1, true).get(0);
        try (Jedis m = master.jedis()) {
            m.set(k, "v");
            Thread.sleep(1500); // let the capture ack (it acks every second)
            assertThat(m.waitReplicas(1, 200)).as("WAIT counts the capture").isZero();
            assertThat(m.info("replication")).contains("port=0");
        }
        assertThat(c.awaitOffset(masterOffset(master), Duration.ofSeconds(10))).isTrue();
        assertThat(drained(c)).containsExactly(k);
        Map<String, String> seen = new HashMap<>(ChangeCapture.info(info(master)));
        assertThat(seen.get("connected_slaves")).isEqualTo("1");
    }
}
