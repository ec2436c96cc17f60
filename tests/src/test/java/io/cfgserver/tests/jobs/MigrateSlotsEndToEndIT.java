package io.cfgserver.tests.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TemporalDevServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;

/**
 * The migrate-slots job end to end: a real 3-peer cfgserver with a real Temporal dev server, two
 * groups of a master and a replica, one proxy (agent + nutcracker), and a writer through the proxy
 * that keeps a model of every acknowledged write. g1 owns 0..511, g2 512..1023 at the start.
 */
@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrateSlotsEndToEndIT {
    static final String CLUSTER = "move";
    static final int KEYS = 20_000;
    @TempDir
    static Path tmp;
    static TemporalDevServer temporal;
    static ServiceCluster service;
    static Http http;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static AgentProcess agent;
    static int proxyPort;
    /** Every acknowledged write: key -> value as last acknowledged. */
    static final Map<String, String> MODEL = new ConcurrentHashMap<>();
    /**
     * Per key, the values of writes after its last acknowledged one that failed from the client's side:
     * each may or may not have taken effect (a reply lost when the proxy restarted), so the key may hold one.
     */
    static final Map<String, java.util.Set<String>> INDETERMINATE = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        temporal = TemporalDevServer.start(tmp.resolve("temporal"), false);
        service = ServiceCluster.start(tmp.resolve("service"), temporal.target());
        http = service.http();
        for (ServiceProcess p : service.peers()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> http
                    .tryGet(p.adminUrl() + "/healthcheck").map(r -> r.json().at("/temporal/healthy").asBoolean())
                    .orElse(false));
        }
        for (int i = 0; i < 4; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis")));
        }
        proxyPort = LoopbackPorts.next();
        http.post(url("/v1/clusters"), Map.of("name", CLUSTER,
                "groups", List.of(Map.of("id", "g1", "master", REDIS.get(0).address(), "replicas", List.of(REDIS.get(1).address())),
                        Map.of("id", "g2", "master", REDIS.get(2).address(), "replicas", List.of(REDIS.get(3).address()))),
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + proxyPort)))).expect(201);
        for (RedisProcess r : List.of(REDIS.get(1), REDIS.get(3))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> info(r).contains("master_link_status:up"));
        }
        agent = new AgentProcess(tmp.resolve("agent"), CLUSTER, "p1",
                service.peers().stream().map(ServiceProcess::baseUrl).toList(), service.token(), 3000).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> NutcrackerProcess.pings(proxyPort));
        try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort)) {
            Pipeline p = j.pipelined();
            for (int i = 0; i < KEYS; i++) {
                String k = (i % 9 == 0 ? "{t" + (i % 40) + "}:" : "k:") + i;
                p.set(k, "v" + i);
                MODEL.put(k, "v" + i);
                if (i % 1000 == 999) {
                    p.sync();
                }
            }
            p.sync();
        }
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (service != null) {
            service.close();
        }
        if (temporal != null) {
            temporal.close();
        }
        REDIS.forEach(RedisProcess::close);
    }

    static String url(String path) {
        return service.any().baseUrl() + path;
    }

    static String info(RedisProcess r) {
        try (Jedis j = r.jedis()) {
            return j.info("replication");
        } catch (RuntimeException e) {
            return "";
        }
    }

    static JsonNode cluster() {
        return http.get(url("/v1/clusters/" + CLUSTER)).expect(200).json().path("cluster");
    }

    static JsonNode job(String id) {
        return http.get(url("/v1/jobs/" + id)).expect(200).json();
    }

    static String startMove(Map<String, Object> params) {
        JsonNode started = http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), Map.of("type", "migrate-slots", "params",
                params)).expect(201).json();
        return started.at("/job/id").asText();
    }

    static void awaitJob(String id, String state) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(job(id).at("/job/state").asText()).as("%s", job(id)).isEqualTo(state));
    }

    static List<String> keysIn(RedisProcess r, int from, int to) {
        List<String> out = new ArrayList<>();
        try (Jedis j = r.jedis()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                var res = j.scan(cursor, new ScanParams().count(1000));
                for (String k : res.getResult()) {
                    int s = Slots.slot(k);
                    if (s >= from && s <= to) {
                        out.add(k);
                    }
                }
                cursor = res.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        return out;
    }

    /** Every key of the model reads back through the proxy with its last acknowledged value. */
    static void assertModelHolds() {
        List<String> wrong = new ArrayList<>();
        try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort)) {
            List<String> keys = new ArrayList<>(MODEL.keySet());
            for (int i = 0; i < keys.size(); i += 500) {
                List<String> batch = keys.subList(i, Math.min(keys.size(), i + 500));
                Pipeline p = j.pipelined();
                List<redis.clients.jedis.Response<String>> rs = new ArrayList<>();
                for (String k : batch) {
                    rs.add(p.get(k));
                }
                p.sync();
                for (int b = 0; b < batch.size(); b++) {
                    String got = rs.get(b).get();
                    if (!MODEL.get(batch.get(b)).equals(got)
                            && !INDETERMINATE.getOrDefault(batch.get(b), java.util.Set.of()).contains(got)) {
                        wrong.add(batch.get(b) + "=" + rs.get(b).get() + " (acknowledged " + MODEL.get(batch.get(b)) + ")");
                    }
                }
            }
        }
        assertThat(wrong).as("acknowledged writes lost or changed (of %d keys)", MODEL.size()).isEmpty();
    }

    /** One thread of SETs through the proxy on random keys of the model; the model takes only acknowledged writes. */
    static final class Writer implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong acked = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final Thread thread;

        Writer() {
            List<String> keys = new ArrayList<>(MODEL.keySet());
            thread = new Thread(() -> {
                Random rnd = new Random(42);
                Jedis j = null;
                for (long n = 0; !stop.get(); n++) {
                    String k = keys.get(rnd.nextInt(keys.size()));
                    String v = "w" + n;
                    try {
                        if (j == null) {
                            j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort);
                        }
                        if ("OK".equals(j.set(k, v))) {
                            MODEL.put(k, v);
                            INDETERMINATE.remove(k);
                            acked.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        INDETERMINATE.computeIfAbsent(k, x -> ConcurrentHashMap.newKeySet()).add(v);
                        failed.incrementAndGet();
                        if (j != null) {
                            try {
                                j.close();
                            } catch (RuntimeException ignored) {
                                // broken
                            }
                        }
                        j = null;
                    }
                }
                if (j != null) {
                    j.close();
                }
            }, "move-writer");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }
    }

    @Test
    @Order(1)
    void refusesBadMovesAndChangesNothing() {
        long version = cluster().path("version").asLong();
        String base = "/v1/clusters/" + CLUSTER + "/jobs";
        assertRefused(base, Map.of("from", 10, "to", 5, "target", "g2"), 422, "0 <= from <= to");
        assertRefused(base, Map.of("from", 0, "to", 10, "target", "g9"), 404, "group-[g9]");
        assertRefused(base, Map.of("from", 0, "to", 10, "target", "g1"), 422, "already belong");
        assertRefused(base, Map.of("from", 500, "to", 600, "target", "g2"), 422, "owned by [g1, g2]");
        assertRefused(base, Map.of("from", 0, "target", "g2"), 422, "params.to is missing");
        assertRefused(base, Map.of("from", 0, "to", 10, "target", "g2", "speed", 3), 422, "unknown parameter 'speed'");
        assertRefused(base, Map.of("from", "zero", "to", 10, "target", "g2"), 422, "whole number");
        assertThat(cluster().path("version").asLong()).isEqualTo(version);
        assertThat(cluster().path("migrations")).isEmpty();
        assertThat(http.get(url(base)).expect(200).json()).isEmpty();
    }

    static void assertRefused(String path, Map<String, Object> params, int status, String message) {
        Http.Response r = http.post(url(path), Map.of("type", "migrate-slots", "params", params));
        assertThat(r.status()).as("%s -> %s", params, r.body()).isEqualTo(status);
        assertThat(r.body()).contains(message);
    }

    @Test
    @Order(2)
    void movesARangeUnderAWriterLosingNothing() throws Exception {
        List<String> before = keysIn(REDIS.get(0), 0, 255);
        assertThat(before).isNotEmpty();
        String id;
        try (Writer w = new Writer()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > 500);
            id = startMove(Map.of("from", 0, "to", 255, "target", "g2"));
            awaitJob(id, "SUCCEEDED");
            long at = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > at + 500);
            w.close();
            System.out.printf("migrate-slots e2e: %d writes acknowledged, %d failed during the job%n", w.acked.get(),
                    w.failed.get());
        }
        assertModelHolds();
        assertThat(keysIn(REDIS.get(0), 0, 255)).as("keys of the range left on the source").isEmpty();
        assertThat(keysIn(REDIS.get(2), 0, 255)).as("keys of the range on the target").hasSizeGreaterThanOrEqualTo(before.size());
        JsonNode c = cluster();
        assertThat(c.path("migrations")).isEmpty();
        assertThat(c.path("slots").get(0).path("group").asText()).isEqualTo("g2");
        assertThat(c.path("slots").get(0).path("to").asInt()).isEqualTo(255);
        String events = http.get(url("/v1/clusters/" + CLUSTER + "/events?limit=1000")).expect(200).json().toString();
        assertThat(events).contains("+migration-start").contains("+migration-cutover").contains("+migration-done");
        JsonNode j = job(id);
        assertThat(j.at("/job/message").asText()).contains("keys");
        try (Jedis source = REDIS.get(0).jedis()) {
            assertThat(source.configGet("min-replicas-to-write").get("min-replicas-to-write")).as("fence lifted").isEqualTo("0");
        }
    }

    @Test
    @Order(3)
    void aCancelBeforeTheCommitRollsBackExactly() throws Exception {
        Map<String, String> sourceBefore = new HashMap<>();
        try (Jedis s = REDIS.get(0).jedis()) {
            for (String k : keysIn(REDIS.get(0), 256, 511)) {
                sourceBefore.put(k, s.get(k));
            }
        }
        JsonNode slotsBefore = cluster().path("slots");
        // one key per SCAN step: the copy takes long enough to cancel it midway
        String id = startMove(Map.of("from", 256, "to", 511, "target", "g2", "keysPerBatch", 1));
        await().atMost(Duration.ofSeconds(60)).until(() -> job(id).at("/progress/step").asText().equals("copy")
                && !keysIn(REDIS.get(2), 256, 511).isEmpty());
        http.post(url("/v1/jobs/" + id + "/cancel"), Map.of()).expect(200);
        awaitJob(id, "CANCELLED");
        assertThat(keysIn(REDIS.get(2), 256, 511)).as("the target holds none of the range").isEmpty();
        Map<String, String> sourceAfter = new HashMap<>();
        try (Jedis s = REDIS.get(0).jedis()) {
            for (String k : keysIn(REDIS.get(0), 256, 511)) {
                sourceAfter.put(k, s.get(k));
            }
            assertThat(s.configGet("min-replicas-to-write").get("min-replicas-to-write")).isEqualTo("0");
        }
        assertThat(sourceAfter).isEqualTo(sourceBefore);
        assertThat(cluster().path("slots")).isEqualTo(slotsBefore);
        assertThat(cluster().path("migrations")).isEmpty();
        assertModelHolds();
    }

    @Test
    @Order(4)
    void aMoveSurvivesTheDeathOfEveryCfgserverPeerDuringTheCopy() throws Exception {
        List<String> before = keysIn(REDIS.get(2), 512, 767);
        String id;
        try (Writer w = new Writer()) {
            id = startMove(Map.of("from", 512, "to", 767, "target", "g1", "keysPerBatch", 1));
            await().atMost(Duration.ofSeconds(60)).until(() -> job(id).at("/progress/step").asText().equals("copy")
                    && !keysIn(REDIS.get(0), 512, 767).isEmpty());
            service.peers().forEach(ServiceProcess::kill9);
            long acked = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > acked + 100); // the proxy keeps serving
            service.peers().forEach(ServiceProcess::start);
            service.peers().forEach(p -> p.waitReady(ServiceCluster.READY_TIMEOUT));
            service.waitForLeader(ServiceCluster.LEADER_TIMEOUT);
            awaitJob(id, "SUCCEEDED");
            long at = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > at + 200);
        }
        assertModelHolds();
        assertThat(keysIn(REDIS.get(2), 512, 767)).as("keys of the range left on the source").isEmpty();
        assertThat(keysIn(REDIS.get(0), 512, 767)).hasSizeGreaterThanOrEqualTo(before.size());
        assertThat(cluster().path("migrations")).isEmpty();
    }

    @Test
    @Order(5)
    void aFlushOfTheSourceAbortsTheMoveAndLeavesNothingOnTheTarget() throws Exception {
        JsonNode slotsBefore = cluster().path("slots");
        String id = startMove(Map.of("from", 768, "to", 1023, "target", "g1", "keysPerBatch", 1));
        await().atMost(Duration.ofSeconds(60)).until(() -> job(id).at("/progress/step").asText().equals("copy")
                && !keysIn(REDIS.get(0), 768, 1023).isEmpty());
        try (Jedis source = REDIS.get(2).jedis()) {
            source.flushAll();
        }
        MODEL.clear(); // the flush destroyed what the model knew of g2
        INDETERMINATE.clear();
        awaitJob(id, "FAILED");
        assertThat(job(id).at("/job/message").asText()).contains("FLUSHALL");
        assertThat(keysIn(REDIS.get(0), 768, 1023)).as("nothing half-done on the target").isEmpty();
        assertThat(cluster().path("slots")).isEqualTo(slotsBefore);
        assertThat(cluster().path("migrations")).isEmpty();
        String events = http.get(url("/v1/clusters/" + CLUSTER + "/events?limit=1000")).expect(200).json().toString();
        assertThat(events).contains("-migration-abort-source-changed");
    }
}
