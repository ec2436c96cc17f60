package io.cfgserver.tests.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.render.NutcrackerConfig;
import io.cfgserver.registry.render.ProxySettings;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NutcrackerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The slot trick, checked on real nutcracker and redis-server: for random slot maps over 3-4
 * groups (fragmented, with groups owning several runs), every key written through nutcracker sits
 * on the group that owns {@code slot(key)} and nowhere else. Keys are random bytes, with and
 * without hash tags.
 */
@Timeout(300)
class SlotRoutingIT {
    static final int KEYS_PER_MAP = 100_000;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    @TempDir
    static Path tmp;

    @BeforeAll
    static void startRedis() {
        for (int i = 0; i < 4; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis-" + i)));
        }
    }

    @AfterAll
    static void stopRedis() {
        REDIS.forEach(RedisProcess::close);
    }

    /** A random map: {@code runs} runs with random boundaries and random owners among {@code groups}. */
    static SlotMap randomMap(Random rnd, int groups, int runs) {
        Set<Integer> cuts = new HashSet<>();
        while (cuts.size() < runs - 1) {
            cuts.add(1 + rnd.nextInt(Slots.COUNT - 1));
        }
        List<Integer> sorted = new ArrayList<>(cuts);
        sorted.sort(null);
        sorted.add(Slots.COUNT);
        String[] owners = new String[Slots.COUNT];
        int from = 0;
        int i = 0;
        for (int to : sorted) {
            // every group owns at least one run
            String g = "g" + (i < groups ? i : rnd.nextInt(groups));
            for (int s = from; s < to; s++) {
                owners[s] = g;
            }
            from = to;
            i++;
        }
        return SlotMap.fromOwners(owners);
    }

    static byte[] randomKey(Random rnd) {
        byte[] body = new byte[1 + rnd.nextInt(24)];
        rnd.nextBytes(body);
        switch (rnd.nextInt(4)) {
            case 0: { // a hash tag in the middle
                byte[] tag = ("{t" + rnd.nextInt(5000) + "}").getBytes(StandardCharsets.US_ASCII);
                byte[] k = new byte[body.length + tag.length];
                int at = rnd.nextInt(body.length + 1);
                System.arraycopy(body, 0, k, 0, at);
                System.arraycopy(tag, 0, k, at, tag.length);
                System.arraycopy(body, at, k, at + tag.length, body.length - at);
                return k;
            }
            case 1: // an empty tag: the whole key is hashed
                return concat("{}".getBytes(StandardCharsets.US_ASCII), body);
            default:
                return body;
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void everyKeyLandsOnTheGroupThatOwnsItsSlot() throws Exception {
        Random rnd = new Random(20261125L);
        int[][] shapes = {{3, 3}, {4, 9}, {3, 40}, {4, 200}};
        for (int[] shape : shapes) {
            int groups = shape[0];
            SlotMap map = randomMap(rnd, groups, shape[1]);
            List<Group> gs = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                gs.add(new Group("g" + g, 0, Instance.of(Address.parse(REDIS.get(g).address())), List.of()));
            }
            Cluster cluster = new Cluster("exact", 1, gs, map, List.of(), Policy.defaults(), 0);
            int port = LoopbackPorts.next();
            String yaml = NutcrackerConfig.render(cluster, Address.parse("127.0.0.1:" + port), ProxySettings.defaults());
            for (RedisProcess r : REDIS) {
                try (Jedis j = r.jedis()) {
                    j.flushAll();
                }
            }
            Map<String, Integer> expectedPerGroup = new HashMap<>();
            Set<String> written = new HashSet<>();
            try (NutcrackerProcess proxy = NutcrackerProcess.start(tmp.resolve("nc-" + groups + "-" + shape[1]), yaml, port);
                    Jedis j = proxy.jedis()) {
                Pipeline p = j.pipelined();
                for (int n = 0; n < KEYS_PER_MAP; n++) {
                    byte[] key = randomKey(rnd);
                    if (written.add(hex(key))) {
                        p.set(key, key);
                        expectedPerGroup.merge(map.owner(Slots.slot(key)), 1, Integer::sum);
                    }
                    if (n % 1000 == 999) {
                        p.sync();
                    }
                }
                p.sync();
            }
            int mismatches = 0;
            int found = 0;
            for (int g = 0; g < groups; g++) {
                try (Jedis j = REDIS.get(g).jedis()) {
                    byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
                    do {
                        ScanResult<byte[]> page = j.scan(cursor, new ScanParams().count(5000));
                        for (byte[] key : page.getResult()) {
                            found++;
                            if (!map.owner(Slots.slot(key)).equals("g" + g)) {
                                mismatches++;
                            }
                        }
                        cursor = page.getCursorAsBytes();
                    } while (!java.util.Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
                    assertThat(j.dbSize()).as("keys on g%d for map %s", g, map.runs().size() + " runs")
                            .isEqualTo(expectedPerGroup.getOrDefault("g" + g, 0).longValue());
                }
            }
            assertThat(found).isEqualTo(written.size());
            assertThat(mismatches).as("keys on a group that does not own their slot, map of %d runs", map.runs().size())
                    .isZero();
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
