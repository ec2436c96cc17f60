package io.cfgserver.tests.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.controller.FaultHooks;
import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.DataModel;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TemporalDevServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * groups of a master and a replica, one proxy (agent + nutcracker), 200k keys of mixed types (some
 * with TTLs, some with hash tags) and a writer through the proxy that keeps a model of every
 * acknowledged write ({@link DataModel}). g1 owns 0..511, g2 512..1023 at the start; each test moves
 * one range and checks the whole keyspace against the model.
 */
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrateSlotsEndToEndIT {
    static final String CLUSTER = "move";
    static final int KEYS = 200_000;
    /** A throttle that keeps a copy of 128 slots (about 25k keys) busy for about 10 s: long enough to act midway. */
    static final int SLOW = 2500;
    @TempDir
    static Path tmp;
    static Path hooks;
    static TemporalDevServer temporal;
    static ServiceCluster service;
    static Http http;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static AgentProcess agent;
    static int proxyPort;
    static final DataModel MODEL = new DataModel();

    @BeforeAll
    static void start() throws Exception {
        hooks = Files.createDirectories(tmp.resolve("hooks"));
        temporal = TemporalDevServer.start(tmp.resolve("temporal"), false);
        service = ServiceCluster.builder().dir(tmp.resolve("service")).temporalTarget(temporal.target())
                .eachPeer(b -> b.jvmArgs("-Dcfgserver.test.hooksDir=" + hooks)).start();
        http = service.http();
        for (ServiceProcess p : service.peers()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> http
                    .tryGet(p.adminUrl() + "/healthcheck").map(r -> r.json().at("/temporal/temporalReachable").asBoolean())
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
            MODEL.load(j, KEYS);
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
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(job(id).at("/job/state").asText()).as("%s", job(id)).isEqualTo(state));
    }

    /** The redis-server that is master of {@code group} now. */
    static RedisProcess master(String group) {
        String address = http.get(url("/v1/clusters/" + CLUSTER + "/groups/" + group)).expect(200).json()
                .at("/master/address").asText();
        return REDIS.stream().filter(r -> r.address().equals(address)).findFirst().orElseThrow();
    }

    /** The job is copying and the target already holds keys of the range. */
    static void awaitCopying(String id, RedisProcess target, int from, int to) {
        await().atMost(Duration.ofSeconds(60)).until(() -> job(id).at("/progress/step").asText().equals("copy")
                && !keysIn(target, from, to).isEmpty());
    }

    static long dbSize(RedisProcess r) {
        try (Jedis j = r.jedis()) {
            return j.dbSize();
        }
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

    /** Every certain key of the model reads back through the proxy with its acknowledged value and TTL. */
    static void assertModelHolds() {
        try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort)) {
            List<String> wrong = MODEL.differences(j, 1000);
            assertThat(wrong).as("acknowledged writes lost or changed (of %d keys, %d uncertain)", MODEL.size(),
                    MODEL.uncertainKeys()).isEmpty();
        }
    }

    /** After a move of {@code from..to} to {@code target}: the source holds none of the range, the map and records agree. */
    static void assertMoved(RedisProcess source, RedisProcess target, int from, int to, String targetGroup) {
        assertThat(keysIn(source, from, to)).as("keys of %d..%d left on the source", from, to).isEmpty();
        assertThat(keysIn(target, from, to)).as("keys of %d..%d on the target", from, to).isNotEmpty();
        JsonNode c = cluster();
        assertThat(c.path("migrations")).isEmpty();
        for (JsonNode range : c.path("slots")) {
            if (range.path("from").asInt() <= from && range.path("to").asInt() >= from) {
                assertThat(range.path("group").asText()).isEqualTo(targetGroup);
                assertThat(range.path("to").asInt()).isGreaterThanOrEqualTo(to);
            }
        }
        try (Jedis s = source.jedis()) {
            assertThat(s.configGet("min-replicas-to-write").get("min-replicas-to-write")).as("fence lifted").isEqualTo("0");
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
        assertRefused(base, Map.of("from", 0, "to", 10, "target", "g2", "maxKeysPerSecond", -1), 422, "maxKeysPerSecond");
        assertRefused(base, Map.of("from", 0, "to", 10, "target", "g2", "bigKeyBytes", 10), 422, "bigKeyBytes");
        assertRefused(base, Map.of("from", 0, "to", 10, "target", "g2", "maxPauseMillis", 1), 422, "maxPauseMillis");
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
        String id;
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, 2)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > 500);
            id = startMove(Map.of("from", 0, "to", 127, "target", "g2"));
            awaitJob(id, "SUCCEEDED");
            long at = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > at + 500);
            w.close();
            System.out.printf("migrate-slots e2e (move): %s%n", w);
        }
        assertModelHolds();
        assertMoved(REDIS.get(0), REDIS.get(2), 0, 127, "g2");
        String events = http.get(url("/v1/clusters/" + CLUSTER + "/events?limit=1000")).expect(200).json().toString();
        assertThat(events).contains("+migration-start").contains("+migration-cutover").contains("+migration-done");
        assertThat(job(id).at("/job/message").asText()).contains("keys");
    }

    @Test
    @Order(3)
    void aCancelBeforeTheCommitRollsBackExactly() throws Exception {
        Map<String, String> sourceBefore = new HashMap<>();
        try (Jedis s = REDIS.get(0).jedis()) {
            for (String k : keysIn(REDIS.get(0), 128, 255)) {
                sourceBefore.put(k, java.util.HexFormat.of().formatHex(s.dump(k)));
            }
        }
        JsonNode slotsBefore = cluster().path("slots");
        String id = startMove(Map.of("from", 128, "to", 255, "target", "g2", "maxKeysPerSecond", SLOW));
        awaitCopying(id, REDIS.get(2), 128, 255);
        http.post(url("/v1/jobs/" + id + "/cancel"), Map.of()).expect(200);
        awaitJob(id, "CANCELLED");
        assertThat(keysIn(REDIS.get(2), 128, 255)).as("the target holds none of the range").isEmpty();
        Map<String, String> sourceAfter = new HashMap<>();
        try (Jedis s = REDIS.get(0).jedis()) {
            for (String k : keysIn(REDIS.get(0), 128, 255)) {
                sourceAfter.put(k, java.util.HexFormat.of().formatHex(s.dump(k)));
            }
            assertThat(s.configGet("min-replicas-to-write").get("min-replicas-to-write")).isEqualTo("0");
        }
        assertThat(sourceAfter).as("the source unchanged").isEqualTo(sourceBefore);
        assertThat(cluster().path("slots")).isEqualTo(slotsBefore);
        assertThat(cluster().path("migrations")).isEmpty();
        assertModelHolds();
    }

    @Test
    @Order(4)
    void aMoveSurvivesTheDeathOfEveryCfgserverPeerDuringTheCopy() throws Exception {
        String id;
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, 4)) {
            id = startMove(Map.of("from", 128, "to", 255, "target", "g2", "maxKeysPerSecond", SLOW));
            awaitCopying(id, REDIS.get(2), 128, 255);
            // while it runs: its slots are taken, and its copy reports counts, rate and an estimate
            assertRefused("/v1/clusters/" + CLUSTER + "/jobs", Map.of("from", 200, "to", 300, "target", "g2"), 409,
                    "overlap");
            assertThat(cluster().path("migrations").get(0).path("state").asText()).isEqualTo("COPYING");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode copy = job(id).at("/activities/0/heartbeat");
                assertThat(copy.path("phase").asText()).isEqualTo("bulk-copy");
                assertThat(copy.path("keysCopied").asLong()).isPositive();
                assertThat(copy.path("keysEstimate").asLong()).isGreaterThan(copy.path("keysCopied").asLong());
                assertThat(copy.path("keysPerSecond").asLong()).isBetween(1L, SLOW * 2L);
                assertThat(copy.path("etaSeconds").asLong()).isPositive();
            });
            // and /prometheus shows the same copy (sampled every second here)
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(http.get(service.any().adminUrl()
                    + "/prometheus").expect(200).body()).containsPattern("cfgserver_job_keys_copied\\{cluster=\"" + CLUSTER
                    + "\",job=\"" + java.util.regex.Pattern.quote(id) + "\",type=\"migrate-slots\"\\} [1-9]")
                    .containsPattern("cfgserver_job_keys_per_second\\{cluster=\"" + CLUSTER + "\",job=\""
                            + java.util.regex.Pattern.quote(id) + "\",type=\"migrate-slots\"\\} [1-9]"));
            service.peers().forEach(ServiceProcess::kill9);
            long acked = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > acked + 100); // the proxy keeps serving
            restartPeers();
            awaitJob(id, "SUCCEEDED");
            long at = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > at + 200);
            w.close();
            System.out.printf("migrate-slots e2e (kill -9 during the copy): %s%n", w);
        }
        assertModelHolds();
        assertMoved(REDIS.get(0), REDIS.get(2), 128, 255, "g2");
    }

    static void restartPeers() {
        service.peers().forEach(ServiceProcess::start);
        service.peers().forEach(p -> p.waitReady(ServiceCluster.READY_TIMEOUT));
        service.waitForLeader(ServiceCluster.LEADER_TIMEOUT);
    }

    @Test
    @Order(5)
    void aCrashOfEveryPeerBeforeTheCommitLeavesTheSourceFencedAndTheMoveFinishes() throws Exception {
        crashDuringCutOver(FaultHooks.BEFORE_MIGRATION_COMMIT, 512, 639);
    }

    @Test
    @Order(6)
    void aCrashOfEveryPeerAfterTheCommitLeavesTheSourceFencedAndTheMoveFinishes() throws Exception {
        crashDuringCutOver(FaultHooks.AFTER_MIGRATION_COMMIT, 640, 767);
    }

    /**
     * The peer running the cut-over halts at {@code step} (the source fenced; before or after the
     * commit), then every other peer is killed and stays down for longer than the pause's 100 ms:
     * meanwhile the source refuses every write (the fence has no timeout), so no write to a moved slot
     * is acknowledged by it; after the restart the move finishes.
     */
    static void crashDuringCutOver(String step, int from, int to) throws Exception {
        RedisProcess source = master("g2");
        RedisProcess target = master("g1");
        Files.writeString(hooks.resolve("crash-at"), step);
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, from)) {
            String id = startMove(Map.of("from", from, "to", to, "target", "g1", "maxPauseMillis", 100));
            await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(hooks.resolve("crash-at"))
                    && service.peers().stream().anyMatch(p -> !p.isRunning()));
            service.peers().forEach(ServiceProcess::kill9);
            Thread.sleep(1000);
            try (Jedis s = source.jedis()) {
                assertThat(s.configGet("min-replicas-to-write").get("min-replicas-to-write")).as("the fence holds")
                        .isEqualTo("1000000");
                assertThatThrownBy(() -> s.set("fence-probe", "x")).hasMessageContaining("NOREPLICAS");
            }
            long refused = w.refused.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.refused.get() > refused); // writes to g2 are refused
            restartPeers();
            awaitJob(id, "SUCCEEDED");
            long at = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > at + 200);
            w.close();
            System.out.printf("migrate-slots e2e (crash at %s): %s%n", step, w);
        }
        assertModelHolds();
        assertMoved(source, target, from, to, "g1");
    }

    @Test
    @Order(7)
    void aSwitchoverOfTheSourceDuringTheCopyIsSurvived() throws Exception {
        RedisProcess before = master("g1");
        RedisProcess replica = REDIS.get(1);
        String id;
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, 7)) {
            id = startMove(Map.of("from", 256, "to", 383, "target", "g2", "maxKeysPerSecond", SLOW));
            awaitCopying(id, REDIS.get(2), 256, 383);
            http.post(url("/v1/clusters/" + CLUSTER + "/groups/g1/switchover"), Map.of("target", replica.address()))
                    .expect(200);
            assertThat(master("g1")).isSameAs(replica);
            awaitJob(id, "SUCCEEDED");
            long at = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > at + 200);
            w.close();
            System.out.printf("migrate-slots e2e (switchover of the source): %s%n", w);
        }
        assertModelHolds();
        assertMoved(replica, REDIS.get(2), 256, 383, "g2");
        assertThat(keysIn(before, 256, 383)).as("the old master, now a replica").isEmpty();
        assertThat(job(id).at("/job/message").asText()).contains("keys");
    }

    @Test
    @Order(8)
    void aBigHashIsCopiedInChunksAndTheSourceKeepsAnswering() throws Exception {
        RedisProcess source = master("g1");
        String big = java.util.stream.IntStream.range(0, 100_000).mapToObj(i -> "big:" + i)
                .filter(k -> Slots.slot(k) >= 384 && Slots.slot(k) <= 511).findFirst().orElseThrow();
        int fields = 800_000;
        String pad = "p".repeat(240);
        try (Jedis s = source.jedis()) {
            Pipeline p = s.pipelined();
            for (int i = 0; i < fields; i += 1000) {
                Map<String, String> chunk = new HashMap<>();
                for (int f = i; f < i + 1000; f++) {
                    chunk.put("f" + f, f + pad);
                }
                p.hset(big, chunk);
                if (i % 50_000 == 0) {
                    p.sync();
                }
            }
            p.sync();
            assertThat(s.memoryUsage(big)).as("MEMORY USAGE of the big hash").isGreaterThan(200L << 20);
            s.configSet("latency-monitor-threshold", "50");
            s.sendCommand(redis.clients.jedis.Protocol.Command.LATENCY, "RESET");
            s.configResetStat();
        }
        AtomicLong worstPingMicros = new AtomicLong();
        AtomicBoolean pinging = new AtomicBoolean(true);
        Thread pinger = new Thread(() -> {
            try (Jedis s = source.jedis()) {
                while (pinging.get()) {
                    long t0 = System.nanoTime();
                    s.ping();
                    worstPingMicros.accumulateAndGet((System.nanoTime() - t0) / 1000, Math::max);
                    Thread.sleep(5);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "source-pinger");
        pinger.start();
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, 8)) {
            String id = startMove(Map.of("from", 384, "to", 511, "target", "g2"));
            awaitJob(id, "SUCCEEDED");
            w.close();
            System.out.printf("migrate-slots e2e (big hash): %s; %s%n", w, job(id).at("/job/message").asText());
            assertThat(job(id).at("/job/message").asText()).contains("1 big keys copied in chunks");
        } finally {
            pinging.set(false);
            pinger.join(5000);
        }
        String latency;
        String hscans;
        try (Jedis s = source.jedis()) {
            latency = String.valueOf(s.sendCommand(redis.clients.jedis.Protocol.Command.LATENCY, "LATEST"));
            hscans = s.info("commandstats").lines().filter(l -> l.startsWith("cmdstat_hscan:")).findFirst().orElse("");
            s.configSet("latency-monitor-threshold", "0");
        }
        System.out.printf("migrate-slots e2e (big hash): worst PING seen by the client %d us, source %s, LATENCY LATEST %s%n",
                worstPingMicros.get(), hscans, latency);
        assertThat(hscans).as("copied in chunks").matches("cmdstat_hscan:calls=\\d{3,},.*");
        assertThat(latency).as("events of the source's latency monitor (>= 50 ms)").isEqualTo("[]");
        try (Jedis t = master("g2").jedis()) {
            assertThat(t.hlen(big)).isEqualTo(fields);
            for (int f = 0; f < fields; f += 9973) {
                assertThat(t.hget(big, "f" + f)).isEqualTo(f + pad);
            }
            t.unlink(big);
        }
        assertModelHolds();
        assertMoved(source, master("g2"), 384, 511, "g2");
    }

    @Test
    @Order(9)
    void aFlushOfTheSourceAbortsTheMoveAndLeavesNothingOnTheTarget() throws Exception {
        JsonNode slotsBefore = cluster().path("slots");
        RedisProcess source = master("g2");
        RedisProcess target = master("g1");
        String id = startMove(Map.of("from", 768, "to", 1023, "target", "g1", "maxKeysPerSecond", SLOW));
        awaitCopying(id, target, 768, 1023);
        try (Jedis s = source.jedis()) {
            s.flushAll();
        }
        MODEL.forget(k -> Slots.slot(k) < 512 || Slots.slot(k) >= 768); // the flush destroyed what the model knew of g2
        awaitJob(id, "FAILED");
        assertThat(job(id).at("/job/message").asText()).contains("FLUSHALL");
        assertThat(keysIn(target, 768, 1023)).as("nothing half-done on the target").isEmpty();
        assertThat(cluster().path("slots")).isEqualTo(slotsBefore);
        assertThat(cluster().path("migrations")).isEmpty();
        String events = http.get(url("/v1/clusters/" + CLUSTER + "/events?limit=1000")).expect(200).json().toString();
        assertThat(events).contains("-migration-abort-source-changed");
        assertModelHolds();
    }

    /**
     * The proxy's agent is killed -9 during the copy: its nutcracker goes on serving the old map under
     * its watchdog for the agent's {@code unattendedMillis} (30 s here, the default) after its last
     * renewal, routing the moving slots to the source. The cut-over must keep the source fenced until
     * that nutcracker can no longer route them there: lifted at the lease end plus one evidence round
     * (as before the fix), the old map's writes to moved slots were acknowledged by the source and then
     * deleted by the clean-up, or left there unreadable through the new map. The copy first waits
     * (phase {@code proxy-wait}, up to 60 s) for the silent proxy to come back; here it never does, so
     * the hold then lasts until that proxy's {@code unattendedMillis} past the stamp.
     */
    @Test
    @Order(10)
    void aMoveWhileTheProxysAgentIsDeadLosesNothing() throws Exception {
        // the group with the most keys (a flush in an earlier test may have emptied the other), its first range
        String sourceGroup = Long.compare(dbSize(master("g1")), dbSize(master("g2"))) >= 0 ? "g1" : "g2";
        String targetGroup = sourceGroup.equals("g1") ? "g2" : "g1";
        JsonNode first = null;
        for (JsonNode range : cluster().path("slots")) {
            if (range.path("group").asText().equals(sourceGroup)) {
                first = range;
                break;
            }
        }
        assertThat(first).as("a range of %s", sourceGroup).isNotNull();
        int from = first.path("from").asInt();
        int to = Math.min(first.path("to").asInt(), from + 127);
        RedisProcess source = master(sourceGroup);
        RedisProcess target = master(targetGroup);
        int keys = keysIn(source, from, to).size();
        assertThat(keys).as("keys of %d..%d on %s", from, to, sourceGroup).isGreaterThan(1000);
        String id;
        long killedAt;
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, 10)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > 500);
            // a copy of about 15 s: the agent is dead and its lease over while it still runs
            id = startMove(Map.of("from", from, "to", to, "target", targetGroup, "maxKeysPerSecond", Math.max(50, keys / 15)));
            awaitCopying(id, target, from, to);
            agent.kill9();
            killedAt = System.currentTimeMillis();
            long acked = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > acked + 100); // nutcracker serves on
            await().atMost(Duration.ofSeconds(10)).until(() -> http.get(url("/v1/clusters/" + CLUSTER + "/proxies"))
                    .expect(200).json().get(0).path("standing").asText().equals("UNMANAGED"));
            assertThat(job(id).at("/progress/step").asText()).as("the copy outlived the lease").isEqualTo("copy");
            // the copy waits before its hold for the silent proxy to come back, writes going on
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                    job(id).at("/activities/0/heartbeat/phase").asText().equals("proxy-wait"));
            awaitJob(id, "SUCCEEDED");
            long doneAt = System.currentTimeMillis();
            // the nutcracker left behind stops at its watchdog's deadline; a new agent takes over
            await().atMost(Duration.ofSeconds(45)).until(() -> agent.nutcracker().isEmpty());
            agent.start();
            long version = cluster().path("version").asLong();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(http.get(url("/v1/clusters/" + CLUSTER
                    + "/proxies")).expect(200).json().get(0).at("/proxy/servedVersion").asLong()).isEqualTo(version));
            long at = w.acked.get();
            await().atMost(Duration.ofSeconds(20)).until(() -> w.acked.get() > at + 500);
            w.close();
            System.out.printf("migrate-slots e2e (agent killed -9 during the copy): job done %d ms after the kill; %s; %s%n",
                    doneAt - killedAt, w, job(id).at("/job/message").asText());
        }
        assertModelHolds();
        assertMoved(source, target, from, to, targetGroup);
    }
}
