package io.cfgserver.tests.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.Histories;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

/**
 * Configuration management end to end (docs/config.md): a real 3-peer cfgserver (drift checked every
 * second), a real Temporal dev server, three groups of real redis-servers and two proxies (agent +
 * nutcracker). A config is refused, stored, rolled out with a canary and every cfgserver process killed
 * while the job waits, reaches every instance and both proxies (restarted one at a time while a client
 * uses both); a promoted replica gets it; drift is reported, then repaired; a rollout that an instance
 * refuses stops there and finishes after the fix.
 */
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigEndToEndIT {
    static final String CLUSTER = "conf";
    @TempDir
    static Path tmp;
    static TemporalDevServer temporal;
    static ServiceCluster service;
    static Http http;
    /** g1: 0 master, 1 replica; g2: 2, 3; g3: 4, 5. */
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static final List<AgentProcess> AGENTS = new ArrayList<>();
    static final int[] PROXY_PORTS = new int[2];

    @BeforeAll
    static void start() throws Exception {
        temporal = TemporalDevServer.start(tmp.resolve("temporal"), false);
        service = ServiceCluster.builder().dir(tmp.resolve("service")).temporalTarget(temporal.target())
                .eachPeer(p -> p.jvmArgs("-Ddw.controller.driftPeriod=1s")).start();
        http = service.http();
        for (ServiceProcess p : service.peers()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> http
                    .tryGet(p.adminUrl() + "/healthcheck").map(r -> r.json().at("/temporal/temporalReachable").asBoolean())
                    .orElse(false));
        }
        for (int i = 0; i < 6; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis")));
        }
        PROXY_PORTS[0] = LoopbackPorts.next();
        PROXY_PORTS[1] = LoopbackPorts.next();
        http.post(url("/v1/clusters"), Map.of("name", CLUSTER,
                "groups", List.of(group("g1", 0), group("g2", 2), group("g3", 4)),
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + PROXY_PORTS[0]),
                        Map.of("id", "p2", "listen", "127.0.0.1:" + PROXY_PORTS[1])))).expect(201);
        for (int i = 0; i < 2; i++) {
            AGENTS.add(new AgentProcess(tmp.resolve("agent-p" + (i + 1)), CLUSTER, "p" + (i + 1),
                    service.peers().stream().map(ServiceProcess::baseUrl).toList(), service.token(), 3000).start());
        }
        for (int port : PROXY_PORTS) {
            await().atMost(Duration.ofSeconds(30)).until(() -> NutcrackerProcess.pings(port));
        }
        // every replica attached and in sync before anything is configured
        for (int i = 1; i < 6; i += 2) {
            RedisProcess r = REDIS.get(i);
            await().atMost(Duration.ofSeconds(30)).until(() -> info(r).contains("master_link_status:up"));
        }
    }

    static Map<String, Object> group(String id, int master) {
        return Map.of("id", id, "master", addr(master), "replicas", List.of(addr(master + 1)));
    }

    @AfterAll
    static void stop() {
        if (service != null && temporal != null) {
            http.tryGet(url("/v1/clusters/" + CLUSTER + "/jobs")).ifPresent(r -> Histories.save(temporal.target(), r.json(),
                    Path.of("target", "histories")));
        }
        AGENTS.forEach(AgentProcess::close);
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

    static String info(RedisProcess r) {
        try (Jedis j = r.jedis()) {
            return j.info("replication");
        }
    }

    static String get(RedisProcess r, String param) {
        try (Jedis j = r.jedis()) {
            return j.configGet(param).get(param);
        }
    }

    static JsonNode config() {
        return http.get(url("/v1/clusters/" + CLUSTER + "/config")).expect(200).json();
    }

    static JsonNode job(String id) {
        return http.get(url("/v1/jobs/" + id)).expect(200).json();
    }

    static String rollout(Map<String, Object> params) {
        return http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), Map.of("type", "config-rollout", "params", params))
                .expect(201).json().at("/job/id").asText();
    }

    static void awaitState(String id, String state, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(250)).until(() -> http.tryGet(url("/v1/jobs/" + id))
                .map(r -> r.json().at("/job/state").asText().equals(state)).orElse(false));
    }

    static List<String> eventTypes() {
        List<String> out = new ArrayList<>();
        http.get(url("/v1/clusters/" + CLUSTER + "/events")).expect(200).json().forEach(e -> out.add(e.path("type").asText()
                + " " + e.path("subject").asText() + " " + e.path("message").asText()));
        return out;
    }

    @Test
    @Order(1)
    void refusesBadConfigAndStoresNothing() {
        String was = get(REDIS.get(1), "maxmemory-policy");
        // refused by a real Redis (CONFIG SET on a replica), in its words
        var r = http.put(url("/v1/clusters/" + CLUSTER + "/config"), Map.of("redis", Map.of("maxmemory-policy", "nonsense")));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("message").asText()).contains("maxmemory-policy=nonsense is refused by Redis")
                .contains("nothing was stored");
        // a parameter Redis cannot change at run time
        r = http.put(url("/v1/clusters/" + CLUSTER + "/config"), Map.of("redis", Map.of("daemonize", "yes")));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("message").asText()).contains("cannot be changed at run time").contains("restart");
        // an unknown one, one cfgserver owns, a bad nutcracker value, an unknown group, a wrong shape
        r = http.put(url("/v1/clusters/" + CLUSTER + "/config"), Map.of("redis", Map.of("maxmemroy", "1mb")));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("message").asText()).contains("knows no parameter 'maxmemroy'");
        r = http.put(url("/v1/clusters/" + CLUSTER + "/config"), Map.of("redis", Map.of("replicaof", "127.0.0.1 1")));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("message").asText()).contains("not managed");
        r = http.put(url("/v1/clusters/" + CLUSTER + "/config"), Map.of("nutcracker", Map.of("timeout", -5)));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("message").asText()).contains("timeout must be between 1 and 600000");
        r = http.put(url("/v1/clusters/" + CLUSTER + "/config"), Map.of("groups", Map.of("g9", Map.of("redis",
                Map.of("hz", 20)))));
        assertThat(r.status()).isEqualTo(404);
        r = http.put(url("/v1/clusters/" + CLUSTER + "/config"), Map.of("redis", List.of("hz")));
        assertThat(r.status()).isEqualTo(400);
        // nothing stored, nothing rolled, the checking replica as it was, no rollout of nothing
        assertThat(config().path("version").asLong()).isZero();
        assertThat(get(REDIS.get(1), "maxmemory-policy")).isEqualTo(was);
        assertThat(get(REDIS.get(0), "maxmemory-policy")).isEqualTo(was);
        var job = http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), Map.of("type", "config-rollout", "params", Map.of()));
        assertThat(job.status()).isEqualTo(409);
        assertThat(job.json().path("message").asText()).contains("no config to roll out");
        var badParallel = http.post(url("/v1/clusters/" + CLUSTER + "/jobs"), Map.of("type", "config-rollout",
                "params", Map.of("parallel", 99)));
        assertThat(badParallel.status()).isIn(404, 409, 422);
    }

    @Test
    @Order(2)
    void rollsOutWithACanaryThroughACrashOfEveryPeerAndRestartsOneProxyAtATime() throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("redis", Map.of("maxmemory-policy", "allkeys-lru", "maxmemory", "256mb", "hz", 20));
        body.put("nutcracker", Map.of("timeout", 400));
        body.put("groups", Map.of("g1", Map.of("redis", Map.of("maxmemory", "128mb"))));
        JsonNode stored = http.put(url("/v1/clusters/" + CLUSTER + "/config"), body).expect(200).json();
        assertThat(stored.path("version").asLong()).isEqualTo(1);
        assertThat(stored.path("pending").asBoolean()).isTrue();
        assertThat(stored.at("/canonical/maxmemory 256mb").asText()).isEqualTo(Long.toString(256L * 1024 * 1024));
        // PUT changes only what it names
        http.put(url("/v1/clusters/" + CLUSTER + "/config"), Map.of("redis", Map.of("timeout", 300))).expect(200);
        assertThat(config().path("redis").path("maxmemory-policy").asText()).isEqualTo("allkeys-lru");
        assertThat(config().path("version").asLong()).isEqualTo(2);

        long[] pids = {nutcrackerPid(0), nutcrackerPid(1)};
        BothProxies client = new BothProxies();
        Thread loop = new Thread(client, "both-proxies");
        loop.start();
        try {
            String id = rollout(Map.of("canary", "g1"));
            awaitState(id, "PAUSED", Duration.ofSeconds(60));
            assertThat(job(id).at("/job/message").asText()).contains("canary group-[g1]");
            assertThat(get(REDIS.get(0), "maxmemory")).isEqualTo(Long.toString(128L * 1024 * 1024));
            assertThat(get(REDIS.get(1), "maxmemory-policy")).isEqualTo("allkeys-lru");
            assertThat(get(REDIS.get(2), "maxmemory-policy")).isNotEqualTo("allkeys-lru");

            // every cfgserver process dies while the job waits for its resume; the proxies keep serving
            service.peers().forEach(ServiceProcess::kill9);
            service.peers().forEach(ServiceProcess::start);
            service.peers().forEach(p -> p.waitReady(Duration.ofSeconds(90)));
            service.waitForLeader(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> http.post(url("/v1/jobs/" + id + "/resume"), null).status() == 200);
            awaitState(id, "SUCCEEDED", Duration.ofSeconds(120));
            JsonNode done = job(id);
            assertThat(done.path("workflowStatus").asText()).isEqualTo("COMPLETED");
            assertThat(done.at("/job/message").asText()).contains("config version 2 on 6 instances")
                    .contains("2 proxies");
        } finally {
            client.stop.set(true);
            loop.join();
        }
        for (int i = 0; i < 6; i++) {
            RedisProcess r = REDIS.get(i);
            assertThat(get(r, "maxmemory-policy")).as("instance %s", r.address()).isEqualTo("allkeys-lru");
            assertThat(get(r, "hz")).isEqualTo("20");
            assertThat(get(r, "timeout")).isEqualTo("300");
            assertThat(get(r, "maxmemory")).isEqualTo(Long.toString((i < 2 ? 128L : 256L) * 1024 * 1024));
        }
        // both proxies render the cluster's nutcracker timeout, each restarted once, never both down at once
        for (int i = 0; i < 2; i++) {
            int p = i;
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(AGENTS.get(p).workDir()
                    .resolve("nutcracker.yml")).contains("  timeout: 400\n"));
            assertThat(nutcrackerPid(i)).as("nutcracker of p%d restarted", i + 1).isNotEqualTo(pids[i]);
        }
        assertThat(client.bothDown.get()).as("rounds where neither proxy answered").isZero();
        assertThat(client.rounds.get()).isGreaterThan(50);
        assertThat(config().path("rolledOut").asLong()).isEqualTo(2);
        assertThat(config().path("pending").asBoolean()).isFalse();
        List<String> events = eventTypes();
        assertThat(events).anyMatch(e -> e.startsWith("+config-rolled-out"));
        assertThat(events.stream().filter(e -> e.startsWith("+proxy-settings")).count()).isEqualTo(2);
        // written values read back through both proxies
        client.acked.forEach((k, v) -> {
            try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", PROXY_PORTS[0])) {
                assertThat(j.get(k)).as("key %s", k).isEqualTo(v);
            }
        });
    }

    long nutcrackerPid(int agent) {
        return AGENTS.get(agent).nutcracker().map(ProcessHandle::pid).orElse(-1L);
    }

    /** A client that writes through both proxies each round and counts the rounds where neither answered. */
    static final class BothProxies implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong rounds = new AtomicLong();
        final AtomicLong bothDown = new AtomicLong();
        final Map<String, String> acked = new ConcurrentHashMap<>();

        @Override
        public void run() {
            long n = 0;
            while (!stop.get()) {
                int ok = 0;
                for (int i = 0; i < 2; i++) {
                    String k = "both:" + (n % 500);
                    String v = "v" + n;
                    try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", PROXY_PORTS[i])) {
                        if ("OK".equals(j.set(k, v))) {
                            acked.put(k, v);
                            ok++;
                        }
                    } catch (RuntimeException e) {
                        // this proxy is restarting: the SET may have been applied with its reply lost, so the
                        // key is uncertain until a later write to it is acknowledged
                        acked.remove(k);
                    }
                    n++;
                }
                rounds.incrementAndGet();
                if (ok == 0) {
                    bothDown.incrementAndGet();
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Test
    @Order(3)
    void driftIsReportedAndAPromotedReplicaGetsTheConfigBeforeItServes() {
        RedisProcess replica = REDIS.get(5);
        try (Jedis j = replica.jedis()) {
            j.configSet("hz", "10");
        }
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() -> http
                .get(url("/v1/clusters/" + CLUSTER + "/config/drift")).expect(200).json().path("instances").toString()
                .contains(replica.address()));
        JsonNode drift = http.get(url("/v1/clusters/" + CLUSTER + "/config/drift")).expect(200).json();
        assertThat(drift.path("instances").toString()).contains("\"param\":\"hz\"").contains("\"actual\":\"10\"")
                .contains("\"expected\":\"20\"");
        assertThat(eventTypes()).anyMatch(e -> e.startsWith("+config-drift instance-[" + replica.address() + "]"));
        assertThat(get(replica, "hz")).as("repairDrift is off: only reported").isEqualTo("10");
        // the drifted replica is promoted: it gets the rolled-out config before it serves as master
        http.post(url("/v1/clusters/" + CLUSTER + "/groups/g3/switchover"), Map.of("target", replica.address())).expect(200);
        assertThat(info(replica)).contains("role:master");
        assertThat(get(replica, "hz")).isEqualTo("20");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() -> !http
                .get(url("/v1/clusters/" + CLUSTER + "/config/drift")).expect(200).json().path("instances").toString()
                .contains(replica.address()));
    }

    @Test
    @Order(4)
    void repairDriftSetsAValueChangedByHandBack() {
        RedisProcess master = REDIS.get(0);
        try (Jedis j = master.jedis()) {
            j.configSet("maxmemory", "0");
        }
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() -> http
                .get(url("/v1/clusters/" + CLUSTER + "/config/drift")).expect(200).json().path("instances").toString()
                .contains(master.address()));
        JsonNode policy = http.put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("repairDrift", true)).expect(200).json();
        assertThat(policy.path("repairDrift").asBoolean()).isTrue();
        assertThat(policy.path("autoFailover").asBoolean()).as("other fields kept").isTrue();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> get(master, "maxmemory").equals(Long.toString(128L * 1024 * 1024)));
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() -> http
                .get(url("/v1/clusters/" + CLUSTER + "/config/drift")).expect(200).json().path("instances").isEmpty());
        assertThat(eventTypes()).anyMatch(e -> e.startsWith("+config-drift-repaired instance-[" + master.address() + "]")
                && e.contains("maxmemory 0 -> " + 128L * 1024 * 1024));
        assertThat(eventTypes()).anyMatch(e -> e.startsWith("-config-drift instance-[" + master.address() + "]"));
        http.put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("repairDrift", false)).expect(200);
    }

    @Test
    @Order(5)
    void aRolloutThatAnInstanceRefusesStopsThereAndFinishesAfterTheFix() {
        http.put(url("/v1/clusters/" + CLUSTER + "/config"), Map.of("redis", Map.of("hz", 30))).expect(200);
        RedisProcess broken = REDIS.get(3); // the replica of g2
        broken.restartWith("--rename-command", "CONFIG", "");
        await().atMost(Duration.ofSeconds(30)).until(() -> info(broken).contains("master_link_status:up"));
        String id = rollout(Map.of());
        awaitState(id, "PAUSED", Duration.ofSeconds(60));
        String message = job(id).at("/job/message").asText();
        assertThat(message).contains("instance-[" + broken.address() + "]").contains("unknown command");
        // g1 has the new value; beyond the refusal nothing changed (g2's master, g3)
        assertThat(get(REDIS.get(0), "hz")).isEqualTo("30");
        assertThat(get(REDIS.get(1), "hz")).isEqualTo("30");
        assertThat(get(REDIS.get(2), "hz")).isEqualTo("20");
        assertThat(get(REDIS.get(4), "hz")).isEqualTo("20");
        assertThat(get(REDIS.get(5), "hz")).isEqualTo("20");
        // fixed: the instance takes CONFIG again; resume tries the group again and the rollout finishes
        broken.restartWith();
        await().atMost(Duration.ofSeconds(30)).until(() -> info(broken).contains("master_link_status:up"));
        http.post(url("/v1/jobs/" + id + "/resume"), null).expect(200);
        awaitState(id, "SUCCEEDED", Duration.ofSeconds(60));
        for (RedisProcess r : REDIS) {
            assertThat(get(r, "hz")).as("instance %s", r.address()).isEqualTo("30");
        }
        assertThat(config().path("rolledOut").asLong()).isEqualTo(3);
        // rollback makes a new version with the old content
        JsonNode back = http.post(url("/v1/clusters/" + CLUSTER + "/config/rollback?version=2"), null).expect(200).json();
        assertThat(back.path("version").asLong()).isEqualTo(4);
        assertThat(back.path("redis").path("hz").asText()).isEqualTo("20");
        assertThat(http.post(url("/v1/clusters/" + CLUSTER + "/config/rollback"), null).status()).isEqualTo(400);
        assertThat(http.get(url("/v1/clusters/" + CLUSTER + "/config/history")).expect(200).json()).hasSize(4);
    }
}
