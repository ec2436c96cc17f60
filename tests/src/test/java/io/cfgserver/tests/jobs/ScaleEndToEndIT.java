package io.cfgserver.tests.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.DataModel;
import io.cfgserver.tests.support.Histories;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TemporalDevServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The scale jobs end to end: a real 3-peer cfgserver, a real Temporal dev server, redis-servers and
 * one proxy (agent + nutcracker), 60k keys of mixed types and a writer through the proxy that keeps a
 * model of every acknowledged write ({@link DataModel}). The cluster grows from 2 to 4 groups, shrinks
 * to 3, grows again with every cfgserver process killed midway, is skewed and rebalanced from a plan;
 * a Schedule fires and skips a run while another job holds the cluster; a job started with the
 * {@code temporal} CLI takes the lock and a terminate releases it.
 */
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleEndToEndIT {
    static final String CLUSTER = "scale";
    static final int KEYS = 60_000;
    @TempDir
    static Path tmp;
    static TemporalDevServer temporal;
    static ServiceCluster service;
    static Http http;
    /** g1 master, replica; g2 master, replica; spares for g3, g4, g6 (master, replica each). */
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static AgentProcess agent;
    static int proxyPort;
    static final DataModel MODEL = new DataModel();

    @BeforeAll
    static void start() throws Exception {
        temporal = TemporalDevServer.start(tmp.resolve("temporal"), false);
        service = ServiceCluster.builder().dir(tmp.resolve("service")).temporalTarget(temporal.target()).start();
        http = service.http();
        for (ServiceProcess p : service.peers()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> http
                    .tryGet(p.adminUrl() + "/healthcheck").map(r -> r.json().at("/temporal/temporalReachable").asBoolean())
                    .orElse(false));
        }
        for (int i = 0; i < 10; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis")));
        }
        proxyPort = LoopbackPorts.next();
        http.post(url("/v1/clusters"), Map.of("name", CLUSTER,
                "groups", List.of(Map.of("id", "g1", "master", addr(0), "replicas", List.of(addr(1))),
                        Map.of("id", "g2", "master", addr(2), "replicas", List.of(addr(3)))),
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + proxyPort)))).expect(201);
        agent = new AgentProcess(tmp.resolve("agent"), CLUSTER, "p1",
                service.peers().stream().map(ServiceProcess::baseUrl).toList(), service.token(), 3000).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> NutcrackerProcess.pings(proxyPort));
        try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort)) {
            MODEL.load(j, KEYS);
        }
    }

    @AfterAll
    static void stop() {
        if (service != null && temporal != null) {
            http.tryGet(url("/v1/clusters/" + CLUSTER + "/jobs")).ifPresent(r -> Histories.save(temporal.target(), r.json(),
                    Path.of("target", "histories")));
        }
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

    static String addr(int i) {
        return REDIS.get(i).address();
    }

    static String url(String path) {
        return service.any().baseUrl() + path;
    }

    static JsonNode cluster() {
        return http.get(url("/v1/clusters/" + CLUSTER)).expect(200).json().path("cluster");
    }

    static JsonNode job(String id) {
        return http.get(url("/v1/jobs/" + id)).expect(200).json();
    }

    static String startJob(String type, Map<String, Object> params) {
        return http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), Map.of("type", type, "params", params)).expect(201).json()
                .at("/job/id").asText();
    }

    static void awaitJob(String id, String state) {
        await().atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonNode j = http.tryGet(url("/v1/jobs/" + id)).map(Http.Response::json).orElse(null);
            assertThat(j == null ? null : j.at("/job/state").asText()).as("%s", j).isEqualTo(state);
        });
    }

    /** Slots per group, from the registry's map. */
    static Map<String, Integer> slotCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode r : cluster().path("slots")) {
            counts.merge(r.path("group").asText(), r.path("to").asInt() - r.path("from").asInt() + 1, Integer::sum);
        }
        return counts;
    }

    static void assertModelHolds() {
        try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort)) {
            List<String> wrong = MODEL.differences(j, 1000);
            assertThat(wrong).as("acknowledged writes lost or changed (of %d keys, %d uncertain)", MODEL.size(),
                    MODEL.uncertainKeys()).isEmpty();
        }
    }

    /** Every key on the instance lies in a slot its group owns. */
    static void assertOnlyOwnKeys(RedisProcess master, String group) {
        String[] owners = new String[Slots.COUNT];
        for (JsonNode r : cluster().path("slots")) {
            for (int s = r.path("from").asInt(); s <= r.path("to").asInt(); s++) {
                owners[s] = r.path("group").asText();
            }
        }
        try (Jedis j = master.jedis()) {
            for (String k : j.keys("*")) {
                assertThat(owners[Slots.slot(k)]).as("owner of %s on %s", k, master.address()).isEqualTo(group);
            }
        }
    }

    static Map<String, Object> group(String id, int master, int replica) {
        return Map.of("id", id, "master", addr(master), "replicas", List.of(addr(replica)), "weight", 1);
    }

    static String temporalCli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(TemporalDevServer.findBinary().toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--address", temporal.target()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("temporal %s: %s", List.of(args), out).isZero();
        return out;
    }

    @Test
    @Order(1)
    void refusesBadRequestsAndChangesNothing() {
        long version = cluster().path("version").asLong();
        String jobs = url("/v1/clusters/" + CLUSTER + "/jobs");
        String plans = url("/v1/clusters/" + CLUSTER + "/plans");
        assertThat(http.post(jobs, Map.of("type", "scale-out", "params", Map.of())).expect(422).body()).contains("groups");
        assertThat(http.post(jobs, Map.of("type", "scale-out", "params", Map.of("groups", List.of(group("g1", 4, 5)))))
                .expect(409).body()).contains("exists already");
        assertThat(http.post(jobs, Map.of("type", "scale-out", "params", Map.of("groups", List.of(
                Map.of("id", "g3", "master", addr(0))))))
                .expect(409).body()).contains("already registered");
        assertThat(http.post(jobs, Map.of("type", "scale-out", "params", Map.of("groups", List.of(
                Map.of("id", "g3", "master", "nowhere"))))).expect(422).body()).contains("host:port");
        assertThat(http.post(jobs, Map.of("type", "scale-out", "params", Map.of("groups", "g3"))).expect(422).body())
                .contains("array");
        assertThat(http.post(jobs, Map.of("type", "scale-in", "params", Map.of("groups", List.of("g9")))).expect(422).body())
                .contains("group-[g9]");
        assertThat(http.post(jobs, Map.of("type", "scale-in", "params", Map.of("groups", List.of("g1", "g2"))))
                .expect(422).body()).contains("every group");
        assertThat(http.post(jobs, Map.of("type", "rebalance", "params", Map.of("weights", Map.of("gx", 2))))
                .expect(422).body()).contains("gx");
        assertThat(http.post(jobs, Map.of("type", "rebalance", "params", Map.of("tolerance", 2))).expect(422).body())
                .contains("tolerance");
        assertThat(http.post(jobs, Map.of("type", "rebalance", "params", Map.of("by", "keys"))).expect(422).body())
                .contains("by");
        assertThat(http.post(jobs, Map.of("type", "rebalance", "params", Map.of("window", "soon"))).expect(422).body())
                .contains("window");
        assertThat(http.post(jobs, Map.of("type", "rebalance", "params", Map.of("plan", "plan-1-0000000000")))
                .expect(409).body()).contains("changed since");
        assertThat(http.post(plans, Map.of("type", "add-replica", "params", Map.of())).expect(422).body())
                .contains("plans are made for");
        String schedules = url("/v1/clusters/" + CLUSTER + "/schedules");
        assertThat(http.post(schedules, Map.of("window", "2h")).expect(422).body()).contains("cron");
        assertThat(http.post(schedules, Map.of("cron", "every day", "window", "2h")).expect(422).body())
                .contains("cron");
        assertThat(http.post(schedules, Map.of("cron", "0 3 * * *", "speed", 3)).expect(422).body()).contains("speed");
        assertThat(http.get(schedules).expect(200).json()).isEmpty();
        assertThat(cluster().path("version").asLong()).isEqualTo(version);
        assertThat(http.get(jobs).expect(200).json()).isEmpty();
    }

    @Test
    @Order(2)
    void scalesOutFromTwoToFourGroupsUnderAWriterOneBySplitOneKeyByKey() throws Exception {
        Map<String, Object> g4 = new java.util.HashMap<>(group("g4", 6, 7));
        g4.put("split", false);
        Map<String, Object> params = Map.of("groups", List.of(group("g3", 4, 5), g4));
        Map<String, String> before;
        try (Jedis j = REDIS.get(0).jedis()) {
            before = Map.of("client-output-buffer-limit", j.configGet("client-output-buffer-limit")
                    .get("client-output-buffer-limit"), "repl-backlog-size", j.configGet("repl-backlog-size")
                    .get("repl-backlog-size"));
        }
        try (Jedis j = REDIS.get(4).jedis()) {
            j.configSet("maxmemory-policy", "allkeys-lru"); // the split sets noeviction while it runs, then puts this back
        }
        JsonNode plan = http.post(url("/v1/clusters/" + CLUSTER + "/plans"), Map.of("type", "scale-out", "params", params))
                .expect(200).json();
        System.out.println("scale-out plan: " + plan);
        JsonNode moves = plan.at("/plan/moves");
        assertThat(moves).hasSize(2);
        assertThat(moves.get(0).path("from").asInt()).isEqualTo(256);
        assertThat(moves.get(0).path("to").asInt()).isEqualTo(511);
        assertThat(moves.get(0).path("target").asText()).isEqualTo("g3");
        assertThat(moves.get(1).path("source").asText()).isEqualTo("g2");
        assertThat(moves.get(1).path("target").asText()).isEqualTo("g4");
        long estimated = moves.get(0).path("keys").asLong();
        assertThat(estimated).as("sampled keys of the first move").isBetween(KEYS / 4 - KEYS / 10L, KEYS / 4 + KEYS / 10L);
        assertThat(plan.at("/plan/etaSeconds").asLong()).isPositive();
        assertThat(plan.at("/start/params/plan").asText()).isEqualTo(plan.at("/plan/id").asText());
        assertThat(cluster().path("groups")).as("a dry run changes nothing").hasSize(2);

        String id;
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, 21)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > 500);
            id = http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), plan.path("start")).expect(201).json().at("/job/id")
                    .asText();
            // the lock is the workflow's: a second topology job is refused while it runs
            http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), Map.of("type", "rebalance", "params", Map.of())).expect(409);
            awaitJob(id, "SUCCEEDED");
            long at = w.acked.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > at + 500);
            w.close();
            System.out.printf("scale-out e2e: %s; %s%n", w, job(id).at("/job/message").asText());
        }
        assertModelHolds();
        assertThat(slotCounts()).isEqualTo(Map.of("g1", 256, "g2", 256, "g3", 256, "g4", 256));
        JsonNode c = cluster();
        for (JsonNode g : c.path("groups")) {
            assertThat(g.path("replicas")).as("replicas of %s", g.path("id")).hasSize(1);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> REDIS.get(5).jedis().info("replication")
                .contains("master_link_status:up"));
        assertOnlyOwnKeys(REDIS.get(0), "g1");
        assertOnlyOwnKeys(REDIS.get(4), "g3");
        assertOnlyOwnKeys(REDIS.get(6), "g4");
        // every move and replica rebuild is a job of its own, naming its parent
        JsonNode all = http.get(url("/v1/clusters/" + CLUSTER + "/jobs")).expect(200).json();
        List<String> children = new ArrayList<>();
        for (JsonNode j : all) {
            if (id.equals(j.at("/params/parent").asText())) {
                children.add(j.path("type").asText() + ":" + j.path("state").asText());
            }
        }
        assertThat(children).containsExactlyInAnyOrder("add-replica:SUCCEEDED", "add-replica:SUCCEEDED",
                "split-slots:SUCCEEDED", "migrate-slots:SUCCEEDED");
        // the split put the source's buffers and the target's memory settings back, and left the target a master
        try (Jedis j = REDIS.get(0).jedis()) {
            for (Map.Entry<String, String> e : before.entrySet()) {
                assertThat(j.configGet(e.getKey()).get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
            assertThat(j.info("replication")).as("g1's master has only its own replica").contains("connected_slaves:1");
        }
        try (Jedis j = REDIS.get(4).jedis()) {
            assertThat(j.info("replication")).contains("role:master");
            assertThat(j.configGet("maxmemory-policy").get("maxmemory-policy")).isEqualTo("allkeys-lru");
        }
    }

    @Test
    @Order(3)
    void scalesInFromFourToThreeLeavingTheDrainedGroupEmpty() throws Exception {
        String id;
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, 31)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > 500);
            id = startJob("scale-in", Map.of("groups", List.of("g4")));
            awaitJob(id, "SUCCEEDED");
            w.close();
            System.out.printf("scale-in e2e: %s; %s%n", w, job(id).at("/job/message").asText());
        }
        assertModelHolds();
        assertThat(slotCounts()).isEqualTo(Map.of("g1", 342, "g2", 341, "g3", 341));
        assertThat(cluster().path("groups")).extracting(g -> g.path("id").asText()).containsExactly("g1", "g2", "g3");
        try (Jedis j = REDIS.get(6).jedis()) {
            assertThat(j.dbSize()).as("the drained master is empty").isZero();
        }
        assertThat(job(id).at("/job/message").asText()).contains(addr(6)).contains(addr(7));
    }

    @Test
    @Order(4)
    void scalesOutAgainWhileEveryCfgserverProcessIsKilled() throws Exception {
        // the drained g4's instances, empty, come back as g5 (its replica still follows its master)
        String id;
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, 41)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > 500);
            id = startJob("scale-out", Map.of("groups", List.of(group("g5", 6, 7)), "parallel", 1,
                    "maxKeysPerSecond", 3000));
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> job(id).at("/progress/step").asText().equals("moves"));
            // pause and resume are Workflow Updates: the answer comes once the workflow took them
            JsonNode paused = http.post(url("/v1/jobs/" + id + "/pause"), Map.of()).expect(200).json();
            assertThat(paused.at("/progress/paused").asBoolean()).as("%s", paused).isTrue();
            http.post(url("/v1/jobs/" + id + "/resume"), Map.of()).expect(200);
            assertThat(http.post(url("/v1/jobs/" + id + "/resume"), Map.of()).expect(409).body()).contains("not paused");
            service.peers().forEach(ServiceProcess::kill9);
            service.peers().forEach(ServiceProcess::start);
            service.peers().forEach(p -> p.waitReady(Duration.ofSeconds(90)));
            service.waitForLeader(Duration.ofSeconds(60));
            awaitJob(id, "SUCCEEDED");
            w.close();
            System.out.printf("scale-out with kill -9 of every peer: %s; %s%n", w, job(id).at("/job/message").asText());
        }
        assertModelHolds();
        assertThat(slotCounts()).isEqualTo(Map.of("g1", 256, "g2", 256, "g3", 256, "g5", 256));
        assertOnlyOwnKeys(REDIS.get(6), "g5");
    }

    @Test
    @Order(5)
    void rebalancesASkewedMapFromAPlanAndRunsExactlyThePlan() throws Exception {
        // skew it: g1 takes 128 of g2's slots (a move, so the data goes along)
        String skew = startJob("migrate-slots", Map.of("from", 512, "to", 639, "target", "g1"));
        awaitJob(skew, "SUCCEEDED");
        assertThat(slotCounts().get("g1")).isEqualTo(384);
        JsonNode plan = http.post(url("/v1/clusters/" + CLUSTER + "/plans"), Map.of("type", "rebalance", "params",
                Map.of("tolerance", 0.01))).expect(200).json();
        System.out.println("rebalance plan: " + plan);
        assertThat(plan.at("/plan/within").asBoolean()).isFalse();
        assertThat(plan.at("/plan/moves")).isNotEmpty();
        List<String> planned = new ArrayList<>();
        for (JsonNode m : plan.at("/plan/moves")) {
            planned.add(m.path("from").asInt() + ".." + m.path("to").asInt() + ":" + m.path("source").asText() + ">"
                    + m.path("target").asText());
        }
        String id;
        try (DataModel.Writer w = MODEL.writer("127.0.0.1", proxyPort, 51)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked.get() > 500);
            id = http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), plan.path("start")).expect(201).json().at("/job/id")
                    .asText();
            awaitJob(id, "SUCCEEDED");
            w.close();
        }
        assertModelHolds();
        assertThat(slotCounts()).isEqualTo(Map.of("g1", 256, "g2", 256, "g3", 256, "g5", 256));
        List<String> ran = new ArrayList<>();
        for (JsonNode j : http.get(url("/v1/clusters/" + CLUSTER + "/jobs")).expect(200).json()) {
            if (id.equals(j.at("/params/parent").asText())) {
                ran.add(j.at("/params/from").asText() + ".." + j.at("/params/to").asText() + ":?>" + j.at("/params/target")
                        .asText());
            }
        }
        assertThat(ran).as("the moves that ran are the plan's").containsExactlyInAnyOrderElementsOf(planned.stream()
                .map(p -> p.replaceAll(":[^>]*>", ":?>")).toList());
        // planning again now: within tolerance, nothing to do
        JsonNode again = http.post(url("/v1/clusters/" + CLUSTER + "/plans"), Map.of("type", "rebalance", "params",
                Map.of())).expect(200).json();
        assertThat(again.at("/plan/within").asBoolean()).isTrue();
        // the old plan is stale now
        assertThat(http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), plan.path("start")).expect(409).body())
                .contains("changed since");

        // by memory: 5 MB in one slot of g1 make it a jumbo slot, reported and not moved; g1's other slots go
        String tag = java.util.stream.IntStream.range(0, 100_000).mapToObj(i -> "t" + i)
                .filter(t -> Slots.slot("{" + t + "}") == 7).findFirst().orElseThrow();
        List<String> big = new ArrayList<>();
        try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort)) {
            for (int i = 0; i < 10; i++) {
                String k = "big:{" + tag + "}:" + i;
                j.set(k, "x".repeat(512 * 1024));
                big.add(k);
            }
        }
        try {
            JsonNode byMemory = http.post(url("/v1/clusters/" + CLUSTER + "/plans"), Map.of("type", "rebalance", "params",
                    Map.of("by", "memory", "tolerance", 0.02))).expect(200).json();
            System.out.println("rebalance plan by memory: " + byMemory.at("/plan/summary").asText());
            assertThat(byMemory.at("/plan/by").asText()).isEqualTo("memory");
            assertThat(byMemory.at("/plan/jumbo")).extracting(JsonNode::asInt).containsExactly(7);
            assertThat(byMemory.at("/plan/moves")).isNotEmpty().allSatisfy(m -> {
                assertThat(m.path("source").asText()).isEqualTo("g1");
                assertThat(m.path("from").asInt() > 7 || m.path("to").asInt() < 7).as("slot 7 stays: %s", m).isTrue();
            });
        } finally {
            try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort)) {
                big.forEach(j::del);
            }
        }
    }

    @Test
    @Order(6)
    void aScheduleFiresFindsNothingToDoAndSkipsARunWhileAnotherJobHoldsTheCluster() throws Exception {
        String schedules = url("/v1/clusters/" + CLUSTER + "/schedules");
        JsonNode created = http.post(schedules, Map.of("every", "3s", "window", "10m", "tolerance", 0.05, "maxMoves", 8))
                .expect(201).json();
        String sid = created.path("id").asText();
        assertThat(created.path("every").asText()).isEqualTo("3s");
        assertThat(created.path("nextRuns")).isNotEmpty();
        assertThat(http.get(schedules).expect(200).json()).extracting(s -> s.path("id").asText()).containsExactly(sid);
        // it fires: a rebalance that finds the cluster within tolerance
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> scheduledJobs(sid).stream()
                .anyMatch(j -> j.path("state").asText().equals("SUCCEEDED")
                        && j.path("message").asText().contains("within tolerance")));
        http.post(schedules + "/" + sid + "/pause", Map.of()).expect(200);
        assertThat(http.get(schedules + "/" + sid).expect(200).json().path("paused").asBoolean()).isTrue();
        // another job holds the cluster: a slow move (once the last scheduled run let go of the lock)
        String[] started = new String[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
            Http.Response r = http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), Map.of("type", "migrate-slots", "params",
                    Map.of("from", 0, "to", 63, "target", "g2", "maxKeysPerSecond", 150)));
            started[0] = r.status() == 201 ? r.json().at("/job/id").asText() : null;
            return started[0] != null;
        });
        String busy = started[0];
        await().atMost(Duration.ofSeconds(30)).until(() -> job(busy).at("/progress/step").asText().equals("copy"));
        int before = scheduledJobs(sid).size();
        long runsBefore = http.get(schedules + "/" + sid).expect(200).json().path("runs").asLong();
        http.post(schedules + "/" + sid + "/trigger", Map.of()).expect(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get(schedules + "/" + sid).expect(200).json().path("runs")
                .asLong() > runsBefore);
        String runId = lastRun(http.get(schedules + "/" + sid).expect(200).json());
        String result = awaitWorkflowResult(runId);
        assertThat(result).as("the run while busy").contains("\"skipped\":true");
        assertThat(scheduledJobs(sid)).as("a skipped run enters no job").hasSize(before);
        assertThat(job(busy).at("/job/state").asText()).isEqualTo("RUNNING");
        http.post(url("/v1/jobs/" + busy + "/cancel"), Map.of()).expect(200);
        awaitJob(busy, "CANCELLED");
        http.delete(schedules + "/" + sid).expect(204);
        http.get(schedules + "/" + sid).expect(404);
        assertModelHolds();
    }

    static List<JsonNode> scheduledJobs(String scheduleId) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode j : http.get(url("/v1/clusters/" + CLUSTER + "/jobs")).expect(200).json()) {
            if (j.path("workflowId").asText().startsWith(scheduleId)) {
                out.add(j);
            }
        }
        return out;
    }

    static String lastRun(JsonNode schedule) {
        JsonNode runs = schedule.path("recentRuns");
        return runs.get(runs.size() - 1).path("workflowId").asText();
    }

    /** The workflow's result as JSON, without spaces ({@code temporal workflow result} waits for it). */
    static String awaitWorkflowResult(String workflowId) throws Exception {
        return temporalCli("workflow", "result", "--workflow-id", workflowId, "--output", "json").replace(" ", "")
                .replace("\n", "");
    }

    @Test
    @Order(7)
    void aJobStartedWithTheTemporalCliTakesTheLockAndATerminateReleasesIt() throws Exception {
        temporalCli("workflow", "start", "--type", "MigrateSlotsWorkflow", "--task-queue", "cfgserver", "--workflow-id",
                "cli-move-1", "--input", "{\"cluster\":\"" + CLUSTER + "\",\"from\":0,\"to\":63,\"target\":\"g2\","
                        + "\"maxKeysPerSecond\":150}");
        await().atMost(Duration.ofSeconds(30)).until(() -> http.tryGet(url("/v1/jobs/cli-move-1"))
                .map(r -> r.status() == 200 && r.json().at("/progress/step").asText().equals("copy")).orElse(false));
        assertThat(http.get(url("/v1/clusters/" + CLUSTER + "/jobs")).expect(200).json())
                .anyMatch(j -> j.path("id").asText().equals("cli-move-1") && j.path("state").asText().equals("RUNNING"));
        assertThat(http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), Map.of("type", "rebalance", "params", Map.of()))
                .expect(409).body()).contains("cli-move-1");
        // a second one from the CLI is refused by the lock, and changes nothing
        temporalCli("workflow", "start", "--type", "RebalanceWorkflow", "--task-queue", "cfgserver", "--workflow-id",
                "cli-rebalance-1", "--input", "{\"cluster\":\"" + CLUSTER + "\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> temporalCli("workflow", "describe", "--workflow-id",
                "cli-rebalance-1", "--output", "json").toUpperCase().contains("FAILED"));
        assertThat(http.tryGet(url("/v1/jobs/cli-rebalance-1")).map(Http.Response::status).orElse(0)).isEqualTo(404);
        // terminated: no workflow code runs; the reconciler closes the job, aborts the move, lifts the fence
        temporalCli("workflow", "terminate", "--workflow-id", "cli-move-1", "--reason", "test");
        awaitJob("cli-move-1", "FAILED");
        assertThat(job("cli-move-1").at("/job/message").asText()).contains("TERMINATED").contains("aborted");
        assertThat(cluster().path("migrations")).isEmpty();
        try (Jedis s = REDIS.get(0).jedis()) {
            assertThat(s.configGet("min-replicas-to-write").get("min-replicas-to-write")).as("fence lifted").isEqualTo("0");
        }
        // a retried start with the same Idempotency-Key returns the job the first one started
        String jobs = url("/v1/clusters/" + CLUSTER + "/jobs");
        Map<String, Object> body = Map.of("type", "rebalance", "params", Map.of("tolerance", 0.05));
        Http.Response first = http.send("POST", jobs, body, Map.of("Idempotency-Key", "nightly-1"));
        assertThat(first.status()).as("%s", first.body()).isEqualTo(201);
        String next = first.json().at("/job/id").asText();
        Http.Response again = http.send("POST", jobs, body, Map.of("Idempotency-Key", "nightly-1"));
        assertThat(again.status()).as("%s", again.body()).isEqualTo(200);
        assertThat(again.json().at("/job/id").asText()).isEqualTo(next);
        assertThat(http.send("POST", jobs, Map.of("type", "rebalance", "params", Map.of()), Map.of("Idempotency-Key",
                "nightly-1")).status()).as("the same key with other params").isEqualTo(422);
        awaitJob(next, "SUCCEEDED");
        assertModelHolds();
    }

    static RedisProcess masterOf(String group) {
        String address = http.get(url("/v1/clusters/" + CLUSTER + "/groups/" + group)).expect(200).json().at("/master/address")
                .asText();
        return REDIS.stream().filter(r -> r.address().equals(address)).findFirst().orElseThrow();
    }

    static Map<String, String> config(RedisProcess r, String... names) {
        Map<String, String> out = new TreeMap<>();
        try (Jedis j = r.jedis()) {
            for (String n : names) {
                out.put(n, j.configGet(n).get(n));
            }
        }
        return out;
    }

    @Test
    @Order(8)
    void aSplitCancelledDuringItsSyncRollsBackAndMovesNothing() throws Exception {
        RedisProcess source = masterOf("g1");
        String[] settings = {"client-output-buffer-limit", "repl-backlog-size", "repl-diskless-sync-delay", "rdbcompression"};
        Map<String, String> before = config(source, settings);
        Map<String, Integer> slots = slotCounts();
        try (Jedis j = source.jedis()) {
            j.configSet("rdb-key-save-delay", "300"); // µs a key: the full sync takes seconds
        }
        try {
            // weights that leave every group but g1 at its quota: g6 takes its 128 slots from g1 alone, so it splits
            String id = startJob("scale-out", Map.of("groups", List.of(group("g6", 8, 9)), "weights",
                    Map.of("g1", 1, "g2", 2, "g3", 2, "g5", 2)));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> http
                    .tryGet(url("/v1/jobs/" + id + "-m0")).map(r -> r.status() == 200 && r.json().at("/job/type").asText()
                            .equals("split-slots") && r.json().at("/progress/step").asText().equals("sync")).orElse(false));
            http.post(url("/v1/jobs/" + id + "/cancel"), Map.of()).expect(200);
            awaitJob(id, "CANCELLED");
            awaitJob(id + "-m0", "CANCELLED");
        } finally {
            try (Jedis j = source.jedis()) {
                j.configSet("rdb-key-save-delay", "0");
            }
        }
        assertThat(slotCounts()).as("no slot moved").isEqualTo(slots);
        assertThat(cluster().path("migrations")).isEmpty();
        try (Jedis j = REDIS.get(8).jedis()) {
            assertThat(j.info("replication")).as("the new master is detached").contains("role:master");
            assertThat(j.dbSize()).as("and empty").isZero();
        }
        assertThat(config(source, settings)).as("the source's settings are back").isEqualTo(before);
        try (Jedis j = source.jedis()) {
            assertThat(j.configGet("min-replicas-to-write").get("min-replicas-to-write")).as("no fence").isEqualTo("0");
        }
        assertModelHolds();
    }
}
