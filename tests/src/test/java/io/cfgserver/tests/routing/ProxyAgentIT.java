package io.cfgserver.tests.routing;

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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Three agents, each with its own real nutcracker, in front of three real redis-servers, watching a
 * real 3-peer registry (Temporal is not needed: the proxy path never uses it). The cluster runs with
 * {@code proxyFencing: strict}: a proxy without a lease stops (StaticStabilityIT covers per-group).
 * Each test stands alone: {@link #baseline()} brings back every peer and agent, the strict policy,
 * the proxies' addresses and the spread slot map, whatever the test before it left.
 */
@Timeout(600)
class ProxyAgentIT {
    static final long LEASE_MILLIS = 4000;
    static final String CLUSTER = "route";
    @TempDir
    static Path tmp;
    static ServiceCluster registry;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static final List<AgentProcess> AGENTS = new ArrayList<>();
    static final int[] PROXY_PORTS = new int[3];
    static Http http;

    @BeforeAll
    static void start() {
        registry = ServiceCluster.start(tmp.resolve("registry"), "127.0.0.1:" + LoopbackPorts.next());
        http = registry.http();
        for (int i = 0; i < 3; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis-" + i)));
            PROXY_PORTS[i] = LoopbackPorts.next();
        }
        List<Map<String, Object>> groups = new ArrayList<>();
        List<Map<String, Object>> proxies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            groups.add(Map.of("id", "g" + (i + 1), "master", REDIS.get(i).address(), "replicas", List.of()));
            proxies.add(Map.of("id", "p" + (i + 1), "listen", "127.0.0.1:" + PROXY_PORTS[i]));
        }
        http.post(url("/v1/clusters"), Map.of("name", CLUSTER, "groups", groups, "proxies", proxies)).expect(201);
        http.put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("proxyFencing", "strict")).expect(200);
        List<String> urls = registry.peers().stream().map(ServiceProcess::baseUrl).toList();
        for (int i = 0; i < 3; i++) {
            AGENTS.add(new AgentProcess(tmp.resolve("agent-p" + (i + 1)), CLUSTER, "p" + (i + 1), urls,
                    registry.token(), LEASE_MILLIS).start());
        }
    }

    /** The spread map every test starts from: g1 0..340, g2 341..681, g3 682..1023. */
    static final List<Map<String, Object>> SPREAD = List.of(Map.of("from", 0, "to", 340, "group", "g1"),
            Map.of("from", 341, "to", 681, "group", "g2"), Map.of("from", 682, "to", 1023, "group", "g3"));

    @BeforeEach
    void baseline() throws InterruptedException {
        List<ServiceProcess> down = registry.peers().stream().filter(p -> !p.isRunning()).toList();
        down.forEach(ServiceProcess::start);
        down.forEach(p -> p.waitReady(Duration.ofSeconds(90)));
        registry.waitForLeader(Duration.ofSeconds(60));
        for (AgentProcess a : AGENTS) {
            if (!a.isRunning()) {
                a.start();
            }
        }
        JsonNode c = http.get(url("/v1/clusters/" + CLUSTER)).expect(200).json().path("cluster");
        if (!c.at("/policy/proxyFencing").asText().equals("strict")) {
            http.put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("proxyFencing", "strict")).expect(200);
            Thread.sleep(LEASE_MILLIS); // a renewal under strict has shortened each watchdog's lease again
        }
        for (int i = 0; i < 3; i++) {
            String listen = "127.0.0.1:" + PROXY_PORTS[i];
            http.put(url("/v1/clusters/" + CLUSTER + "/proxies/p" + (i + 1)), Map.of("listen", listen)).expect(200);
        }
        JsonNode slots = http.get(url("/v1/clusters/" + CLUSTER + "/slots")).expect(200).json();
        if (!Http.mapper().valueToTree(SPREAD).equals(slots)) {
            http.put(url("/v1/clusters/" + CLUSTER + "/slots"), Map.of("force", true, "ranges", SPREAD)).expect(200);
        }
        awaitAllServe(version());
    }

    @AfterAll
    static void stop() {
        AGENTS.forEach(AgentProcess::close);
        REDIS.forEach(RedisProcess::close);
        if (registry != null) {
            registry.close();
        }
    }

    static String url(String path) {
        return registry.any().baseUrl() + path;
    }

    static long version() {
        return http.get(url("/v1/clusters/" + CLUSTER)).expect(200).json().at("/cluster/version").asLong();
    }

    static JsonNode proxies() {
        return http.get(url("/v1/clusters/" + CLUSTER + "/proxies")).expect(200).json();
    }

    static String standing(String proxyId) {
        for (JsonNode p : proxies()) {
            if (p.at("/proxy/id").asText().equals(proxyId)) {
                return p.path("standing").asText();
            }
        }
        throw new AssertionError("no proxy " + proxyId);
    }

    /** Every proxy serves at least {@code version} with a live lease (not merely fenced). */
    static void awaitAllServe(long version) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            for (JsonNode p : proxies()) {
                assertThat(p.path("standing").asText()).as("%s", p).withFailMessage(() -> p + " is not SERVING\n"
                        + diagnosis(p.at("/proxy/id").asText())).isEqualTo("SERVING");
                assertThat(p.at("/proxy/servedVersion").asLong()).isGreaterThanOrEqualTo(version);
            }
        });
        // a renewal that comes late (a loaded machine) lets a lease lapse for a moment: ask again then
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            var r = http.get(url("/v1/clusters/" + CLUSTER + "/proxies/await?version=" + version + "&timeoutMs=30000"));
            assertThat(r.status()).as("await proxies at version %d: %s\n%s", version, r.body(), AGENTS.get(0).logTail())
                    .isEqualTo(200);
            for (JsonNode p : r.json()) {
                assertThat(p.path("standing").asText()).as(p.toString()).withFailMessage(() -> p + " is not SERVING\n"
                        + diagnosis(p.at("/proxy/id").asText())).isEqualTo("SERVING");
            }
        });
    }

    /** The log tails of the proxy's agent and of every registry peer, for a failure message. */
    static String diagnosis(String proxyId) {
        StringBuilder b = new StringBuilder();
        int i = Integer.parseInt(proxyId.substring(1)) - 1;
        if (i >= 0 && i < AGENTS.size()) {
            b.append("---- agent ").append(proxyId).append('\n').append(AGENTS.get(i).logTail()).append('\n');
            b.append("---- agent ").append(proxyId).append(" threads\n").append(AGENTS.get(i).mainThreads()).append('\n');
        }
        for (ServiceProcess peer : registry.peers()) {
            b.append("---- peer ").append(peer.peerId()).append('\n')
                    .append(io.cfgserver.tests.support.ChildProcesses.tail(peer.logFile(), 30)).append('\n');
        }
        return b.toString();
    }

    /** A key whose slot lies in from..to. */
    static String keyInSlots(int from, int to, int salt) {
        for (int i = 0;; i++) {
            String k = "key-" + salt + "-" + i;
            int s = Slots.slot(k);
            if (s >= from && s <= to) {
                return k;
            }
        }
    }

    /** Writes a key through a proxy and says which redis (index) holds it. */
    static int writeThrough(int proxy, String key) {
        try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", PROXY_PORTS[proxy])) {
            assertThat(j.set(key, "v")).isEqualTo("OK");
        }
        int found = -1;
        for (int i = 0; i < REDIS.size(); i++) {
            try (Jedis r = REDIS.get(i).jedis()) {
                if (r.exists(key)) {
                    assertThat(found).as("key %s on two groups", key).isEqualTo(-1);
                    found = i;
                }
            }
        }
        return found;
    }

    @Test
    void everyAgentServesTheMapAndAcksIt() {
        awaitAllServe(version());
        for (int p = 0; p < 3; p++) {
            for (int g = 0; g < 3; g++) {
                // the spread map: g1 0..340, g2 341..681, g3 682..1023
                int from = new int[] {0, 341, 682}[g];
                int to = new int[] {340, 681, 1023}[g];
                assertThat(writeThrough(p, keyInSlots(from, to, p * 10 + g))).isEqualTo(g);
            }
        }
        // each agent's /metrics: its own state and nutcracker's per-server counters (one line per slot run)
        long v = version();
        for (int p = 0; p < 3; p++) {
            String url = AGENTS.get(p).metricsUrl();
            String labels = "cluster=\"" + CLUSTER + "\",proxy=\"p" + (p + 1) + "\"";
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(http.get(url).expect(200).body())
                    .contains("cfgserver_agent_served_version{" + labels + "} " + (double) v)
                    .contains("cfgserver_agent_nutcracker_up{" + labels + "} 1.0")
                    .contains("cfgserver_agent_managed{" + labels + "} 1.0")
                    .contains("cfgserver_nutcracker_stats_up{" + labels + "} 1.0")
                    .containsPattern("cfgserver_agent_nutcracker_restarts_total\\{" + java.util.regex.Pattern.quote(labels)
                            + "\\} [1-9]")
                    .containsPattern("cfgserver_agent_renewals_total\\{" + java.util.regex.Pattern.quote(labels) + "\\} [1-9]")
                    .containsPattern("cfgserver_nutcracker_server_requests_total\\{" + java.util.regex.Pattern.quote(labels)
                            + ",pool=\"[^\"]+\",server=\"s0000\"\\} [1-9]")
                    .contains("# TYPE cfgserver_nutcracker_server_connections gauge"));
        }
    }

    @Test
    void aMapChangeReachesEveryAgentAndMovesTheRange() {
        long before = version();
        http.put(url("/v1/clusters/" + CLUSTER + "/slots"), Map.of("force", true, "ranges", List.of(
                Map.of("from", 0, "to", 99, "group", "g2"), Map.of("from", 100, "to", 340, "group", "g1"),
                Map.of("from", 341, "to", 681, "group", "g2"), Map.of("from", 682, "to", 1023, "group", "g3")))).expect(200);
        awaitAllServe(before + 1);
        for (int p = 0; p < 3; p++) {
            assertThat(writeThrough(p, keyInSlots(0, 99, 100 + p))).as("moved range through p%d", p + 1).isEqualTo(1);
            assertThat(writeThrough(p, keyInSlots(100, 340, 200 + p))).isEqualTo(0);
        }
    }

    @Test
    void aConfigNutcrackerRefusesNeverReplacesTheRunningOne() {
        String original = "127.0.0.1:" + PROXY_PORTS[0];
        long pid = AGENTS.get(0).nutcracker().orElseThrow().pid();
        // 192.0.2.1 (TEST-NET-1) is no address of this machine: nutcracker cannot bind it
        http.put(url("/v1/clusters/" + CLUSTER + "/proxies/p1"), Map.of("listen", "192.0.2.1:" + PROXY_PORTS[0])).expect(200);
        long bad = version();
        await().atMost(Duration.ofSeconds(20)).until(() -> http.get(url("/v1/clusters/" + CLUSTER + "/events"))
                .json().toString().contains("-config-rejected"));
        assertThat(standing("p1")).isEqualTo("LAGGING");
        assertThat(NutcrackerProcess.pings(PROXY_PORTS[0])).as("the running nutcracker still serves").isTrue();
        assertThat(writeThrough(0, keyInSlots(682, 1023, 300))).isEqualTo(2);
        assertThat(AGENTS.get(0).nutcracker().orElseThrow().pid()).as("not restarted").isEqualTo(pid);
        assertThat(http.get(AGENTS.get(0).metricsUrl()).expect(200).body())
                .containsPattern("cfgserver_agent_configs_refused_total\\{cluster=\"" + CLUSTER + "\",proxy=\"p1\"\\} [1-9]");
        http.put(url("/v1/clusters/" + CLUSTER + "/proxies/p1"), Map.of("listen", original)).expect(200);
        awaitAllServe(bad + 1);
        assertThat(AGENTS.get(0).nutcracker().orElseThrow().pid()).as("same pools, no restart needed").isEqualTo(pid);
    }

    @Test
    void aDeadNutcrackerIsRestarted() {
        ProcessHandle old = AGENTS.get(1).nutcracker().orElseThrow();
        old.destroyForcibly();
        await().atMost(Duration.ofSeconds(20)).until(() -> AGENTS.get(1).nutcracker()
                .map(h -> h.pid() != old.pid()).orElse(false) && NutcrackerProcess.pings(PROXY_PORTS[1]));
    }

    @Test
    void aRestartedAgentAdoptsTheNutcrackerItsPredecessorLeft() throws Exception {
        AgentProcess agent = AGENTS.get(2);
        // Under strict fencing nutcracker stops when the lease ends (4 s here), before a JVM restarted on a
        // loaded CI machine can adopt it (seen twice: the adoption raced the lease). Adoption is what
        // per-group fencing's unattended time (30 s) is for: switch to it, and back at the end.
        long perGroupLines = logLines(agent, "is per-group");
        http.put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("proxyFencing", "per-group")).expect(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> logLines(agent, "is per-group") > perGroupLines);
        Thread.sleep(2 * LEASE_MILLIS / 3); // a renewal under per-group has vouched for the unattended time
        long pid = agent.nutcracker().orElseThrow().pid();
        agent.kill9();
        assertThat(NutcrackerProcess.pings(PROXY_PORTS[2])).as("nutcracker outlives its agent").isTrue();
        agent.start();
        long v = version();
        http.post(url("/v1/clusters/" + CLUSTER + "/events"), Map.of("type", "+test-marker", "subject", "x", "message", ""));
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.logTail().contains("+proxy-adopt"));
        awaitAllServe(v);
        assertThat(agent.nutcracker()).as("the adopted nutcracker\n%s", diagnosis("p3")).isPresent();
        assertThat(agent.nutcracker().orElseThrow().pid()).isEqualTo(pid);
        assertThat(ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
                .map(c -> c.contains(agent.workDir().resolve("nutcracker.yml").toString()) && !c.contains("watchdog"))
                .orElse(false)).count()).as("one nutcracker for this proxy").isEqualTo(1);
        long strictLines = logLines(agent, "is strict");
        http.put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("proxyFencing", "strict")).expect(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> logLines(agent, "is strict") > strictLines);
        Thread.sleep(2 * LEASE_MILLIS / 3); // a renewal under strict has shortened the watchdog's lease again
    }

    /** How many lines of the agent's whole log contain {@code text}. */
    static long logLines(AgentProcess agent, String text) throws java.io.IOException {
        try (var lines = java.nio.file.Files.lines(agent.logFile())) {
            return lines.filter(l -> l.contains(text)).count();
        }
    }

    @Test
    void aProxyWhoseAgentIsGoneStopsWhenItsLeaseEnds() {
        AgentProcess agent = AGENTS.get(2);
        agent.kill9();
        long killedAt = System.currentTimeMillis();
        assertThat(NutcrackerProcess.pings(PROXY_PORTS[2])).isTrue();
        await().atMost(Duration.ofMillis(LEASE_MILLIS + 3000)).pollInterval(Duration.ofMillis(50))
                .until(() -> !NutcrackerProcess.pings(PROXY_PORTS[2]));
        assertThat(System.currentTimeMillis() - killedAt).isLessThanOrEqualTo(LEASE_MILLIS + 3000);
        await().atMost(Duration.ofSeconds(5)).until(() -> standing("p3").equals("FENCED"));
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> NutcrackerProcess.pings(PROXY_PORTS[2]));
        awaitAllServe(version());
    }

    @Test
    void agentsFenceThemselvesWhenTheRegistryMajorityIsGoneAndComeBackWithIt() {
        List<ServiceProcess> stopped = registry.followers();
        stopped.forEach(ServiceProcess::kill9);
        long cut = System.currentTimeMillis();
        for (int p = 0; p < 3; p++) {
            int port = PROXY_PORTS[p];
            await().atMost(Duration.ofMillis(LEASE_MILLIS + 3000)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !NutcrackerProcess.pings(port));
        }
        assertThat(System.currentTimeMillis() - cut).as("all fenced within lease + margin")
                .isLessThanOrEqualTo(LEASE_MILLIS + 3000);
        stopped.forEach(ServiceProcess::start);
        stopped.forEach(s -> s.waitReady(Duration.ofSeconds(90)));
        registry.waitForLeader(Duration.ofSeconds(60));
        for (int p = 0; p < 3; p++) {
            int port = PROXY_PORTS[p];
            await().atMost(Duration.ofSeconds(30)).until(() -> NutcrackerProcess.pings(port));
        }
        awaitAllServe(version());
        Optional<JsonNode> fenced = Optional.ofNullable(http.get(url("/v1/clusters/" + CLUSTER + "/events?limit=1000"))
                .json()).filter(j -> j.toString().contains("-fenced"));
        assertThat(fenced).as("agents report the end of their fence").isPresent();
    }

    @Test
    void aKilledWatchdogTakesItsNutcrackerWithItAndTheAgentStartsAnother() {
        AgentProcess agent = AGENTS.get(0);
        ProcessHandle nutcracker = agent.nutcracker().orElseThrow();
        ProcessHandle watchdog = nutcracker.parent().orElseThrow();
        watchdog.destroyForcibly();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> !nutcracker.isAlive());
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.nutcracker().map(h -> h.pid() != nutcracker.pid())
                .orElse(false) && NutcrackerProcess.pings(PROXY_PORTS[0]));
        awaitAllServe(version());
    }
}
