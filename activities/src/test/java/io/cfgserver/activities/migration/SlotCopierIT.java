package io.cfgserver.activities.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;

/** {@link SlotCopier} between two real redis-servers. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlotCopierIT {
    static final int FROM = 100;
    static final int TO = 355;
    static final int KEYS = 20_000;

    @TempDir
    Path dir;
    RedisProcess source;
    RedisProcess target;

    @BeforeEach
    void start() {
        source = RedisProcess.start(dir);
        target = RedisProcess.start(dir);
        try (Jedis j = source.jedis()) {
            Pipeline p = j.pipelined();
            for (int i = 0; i < KEYS; i++) {
                String k = (i % 7 == 0 ? "{tag" + (i % 50) + "}:" : "k:") + i;
                switch (i % 5) {
                    case 0 -> p.set(k, "v" + i);
                    case 1 -> p.hset(k, Map.of("a", "1", "b", Integer.toString(i)));
                    case 2 -> p.rpush(k, "x", "y", Integer.toString(i));
                    case 3 -> p.sadd(k, "s" + i, "t");
                    default -> p.zadd(k, i, "m" + i);
                }
                if (i % 3 == 0) {
                    p.expire(k, 1000 + i % 100);
                }
            }
            p.sync();
        }
    }

    @AfterEach
    void stop() {
        source.close();
        target.close();
    }

    static boolean inRange(String k) {
        int s = Slots.slot(k);
        return s >= FROM && s <= TO;
    }

    static List<String> keys(RedisProcess r) {
        List<String> out = new ArrayList<>();
        try (Jedis j = r.jedis()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                var res = j.scan(cursor, new ScanParams().count(1000));
                out.addAll(res.getResult());
                cursor = res.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        return out;
    }

    /** The value as a comparable string (a set's or hash's order is not part of its value). */
    static String value(Jedis j, String k) {
        return switch (j.type(k)) {
            case "string" -> j.get(k);
            case "hash" -> new java.util.TreeMap<>(j.hgetAll(k)).toString();
            case "list" -> j.lrange(k, 0, -1).toString();
            case "set" -> new TreeSet<>(j.smembers(k)).toString();
            case "zset" -> j.zrangeWithScores(k, 0, -1).toString();
            default -> j.type(k);
        };
    }

    /** Every key of the range is on the target with the source's value and TTL (within 1 s), and nothing else. */
    void assertTargetMatches() {
        TreeSet<String> expected = new TreeSet<>(keys(source).stream().filter(SlotCopierIT::inRange).toList());
        assertThat(new TreeSet<>(keys(target))).isEqualTo(expected);
        try (Jedis s = source.jedis(); Jedis t = target.jedis()) {
            for (String k : expected) {
                assertThat(value(t, k)).as("value of %s", k).isEqualTo(value(s, k));
                long ts = s.ttl(k);
                long tt = t.ttl(k);
                assertThat(Math.abs(ts - tt)).as("ttl of %s: %d vs %d", k, ts, tt).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void copiesTheRangeStepByStepAndRecopiesChangedKeys() {
        int copied = 0;
        try (SlotCopier c = new SlotCopier(Address.parse(source.address()), Address.parse(target.address()), FROM, TO, 2000)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            SlotCopier.Step step;
            do {
                step = c.copyStep(cursor, 500);
                copied += step.copied();
                cursor = step.cursor();
            } while (!step.done());
            assertThat(copied).isGreaterThan(KEYS / 8);
            assertTargetMatches();

            List<String> changed = keys(source).stream().filter(SlotCopierIT::inRange).limit(30).toList();
            try (Jedis s = source.jedis()) {
                s.set(changed.get(0), "new");
                s.del(changed.get(1));
                s.persist(changed.get(2));
                s.expire(changed.get(3), 5000);
            }
            c.copy(changed.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList());
            assertTargetMatches();
            try (Jedis t = target.jedis()) {
                assertThat(t.exists(changed.get(1))).as("deleted on the source, so on the target").isFalse();
            }

            cursor = ScanParams.SCAN_POINTER_START;
            do {
                step = c.deleteStepOnTarget(cursor, 500);
                cursor = step.cursor();
            } while (!step.done());
            assertThat(keys(target)).isEmpty();
        }
    }

    @Test
    void copiesKeysAboveBigKeyBytesInChunksWithTheirTtl() {
        List<String> big = new ArrayList<>();
        try (Jedis s = source.jedis()) {
            String[] types = {"hash", "set", "zset", "list", "string"};
            for (String type : types) {
                String k = java.util.stream.IntStream.range(0, 10_000).mapToObj(i -> "big-" + type + ":" + i)
                        .filter(SlotCopierIT::inRange).findFirst().orElseThrow();
                big.add(k);
                for (int chunk = 0; chunk < 5; chunk++) {
                    Map<String, String> fields = new java.util.HashMap<>();
                    Map<String, Double> members = new java.util.HashMap<>();
                    List<String> items = new ArrayList<>();
                    for (int i = chunk * 1000; i < chunk * 1000 + 1000; i++) {
                        fields.put("f" + i, "v" + i);
                        members.put("m" + i, (double) i);
                        items.add("i" + i + "-padding-to-keep-a-list-above-64-KiB");
                    }
                    switch (type) {
                        case "hash" -> s.hset(k, fields);
                        case "set" -> s.sadd(k, items.toArray(new String[0]));
                        case "zset" -> s.zadd(k, members);
                        case "list" -> s.rpush(k, items.toArray(new String[0]));
                        default -> s.append(k, "x".repeat(700_000));
                    }
                }
                s.expire(k, 777);
            }
        }
        int[] chunks = {0};
        try (SlotCopier c = new SlotCopier(Address.parse(source.address()), Address.parse(target.address()), FROM, TO, 2000,
                64 * 1024)) {
            c.onChunk(() -> chunks[0]++);
            String cursor = ScanParams.SCAN_POINTER_START;
            SlotCopier.Step step;
            do {
                step = c.copyStep(cursor, 500);
                cursor = step.cursor();
            } while (!step.done());
            assertThat(c.bigKeysCopied()).as("the five big keys, each in chunks").isEqualTo(5);
        }
        assertThat(chunks[0]).as("chunks copied").isGreaterThan(5 * 4);
        assertTargetMatches();
        for (String k : big) {
            byte[] tmp = SlotCopier.temporaryKey(k.getBytes(StandardCharsets.UTF_8));
            assertThat(Slots.slot(tmp)).as("temporary key of %s in its slot", k).isEqualTo(Slots.slot(k));
            try (Jedis t = target.jedis()) {
                assertThat(t.exists(tmp)).as("no temporary key left").isFalse();
            }
        }
    }
}
