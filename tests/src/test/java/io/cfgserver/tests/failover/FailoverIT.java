package io.cfgserver.tests.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.KeyWriter;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Stop-loss against real redis-servers, a real 3-peer registry (separate processes), and, where
 * writes go through twemproxy, a real agent + nutcracker. Each test has its own cluster and Redis
 * processes. Faults: kill -9, and the test-only hook of {@code FaultHooks} (a crash at a named
 * step). Network partitions, in network namespaces, are in {@code faults.PartitionIT}.
 */
@Timeout(900)
class FailoverIT {
    @TempDir
    static Path tmp;
    static Path hooks;
    static ServiceCluster registry;
    static Http http;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static final List<AgentProcess> AGENTS = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        hooks = Files.createDirectories(tmp.resolve("hooks"));
        registry = ServiceCluster.builder().dir(tmp.resolve("registry")).temporalTarget("127.0.0.1:" + LoopbackPorts.next())
                .eachPeer(b -> b.jvmArgs("-Dcfgserver.test.hooksDir=" + hooks)).start();
        http = registry.http();
    }

    /**
     * Each test's cluster goes when the test ends: a fleet with many dead masters trips the fleet
     * breaker (more than half of all masters down looks like the controller's network), which
     * would stop the next test's failover.
     */
    @AfterEach
    void deleteClusters() {
        registry.deleteAllClustersPrintingEvents();
        AGENTS.forEach(AgentProcess::close);
        AGENTS.clear();
    }

    @AfterAll
    static void stop() {
        AGENTS.forEach(AgentProcess::close);
        REDIS.forEach(RedisProcess::close);
        if (registry != null) {
            registry.close();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    static String url(String path) {
        return registry.any().baseUrl() + path;
    }

    static RedisProcess redis() {
        RedisProcess r = RedisProcess.start(tmp.resolve("redis"));
        REDIS.add(r);
        return r;
    }

    /** A fleet of groups g1..gN, each a master and {@code replicas} replicas, as a cluster with one proxy p1. */
    record Fleet(String name, List<List<RedisProcess>> groups, int proxyPort) {
        RedisProcess master(int g) {
            return groups.get(g).get(0);
        }
    }

    static Fleet fleet(String name, int groupCount, int replicas) {
        List<List<RedisProcess>> groups = new ArrayList<>();
        List<Map<String, Object>> specs = new ArrayList<>();
        for (int g = 0; g < groupCount; g++) {
            List<RedisProcess> members = new ArrayList<>();
            for (int i = 0; i <= replicas; i++) {
                members.add(redis());
            }
            groups.add(members);
            specs.add(Map.of("id", "g" + (g + 1), "master", members.get(0).address(),
                    "replicas", members.subList(1, members.size()).stream().map(RedisProcess::address).toList()));
        }
        int proxyPort = LoopbackPorts.next();
        http.post(url("/v1/clusters"), Map.of("name", name, "groups", specs,
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + proxyPort)))).expect(201);
        Fleet f = new Fleet(name, groups, proxyPort);
        // the controller points the replicas at their masters; wait until every link is up
        for (List<RedisProcess> members : groups) {
            for (RedisProcess r : members.subList(1, members.size())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> info(r).contains("master_link_status:up"));
            }
        }
        return f;
    }

    static AgentProcess agent(Fleet f) {
        AgentProcess a = new AgentProcess(tmp.resolve("agent-" + f.name()), f.name(), "p1",
                registry.peers().stream().map(ServiceProcess::baseUrl).toList(), registry.token(), 3000).start();
        AGENTS.add(a);
        await().atMost(Duration.ofSeconds(30)).until(() -> NutcrackerProcess.pings(f.proxyPort()));
        return a;
    }

    static String info(RedisProcess r) {
        try (Jedis j = r.jedis()) {
            return j.info("replication");
        } catch (RuntimeException e) {
            return "";
        }
    }

    static JsonNode group(Fleet f, int g) {
        return http.get(url("/v1/clusters/" + f.name() + "/groups/g" + (g + 1))).expect(200).json();
    }

    static String events(Fleet f) {
        return http.get(url("/v1/clusters/" + f.name() + "/events?limit=1000")).expect(200).json().toString();
    }

    /** Every acknowledged key is readable through the proxy with its value. */
    static void assertNothingLost(KeyWriter w, int port) {
        assertThat(w.lost().keySet()).as("acknowledged writes lost (of %d acknowledged)", w.acked()).isEmpty();
    }

    static ServiceProcess leader() {
        return registry.waitForLeader(Duration.ofSeconds(60));
    }

    // ---- tests -----------------------------------------------------------------------------

    @Test
    void aKilledMasterFailsOverUnderLoadLosesNothingAndReturnsAsAReplica() throws Exception {
        Fleet f = fleet("kill", 2, 2);
        agent(f);
        RedisProcess old = f.master(0);
        try (KeyWriter w = new KeyWriter("127.0.0.1", f.proxyPort(), "kill")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked() > 200);
            old.kill9();
            long killed = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !group(f, 0).at("/master/address").asText().equals(old.address()));
            long before = w.acked();
            // writes flow again, including to the failed group's slots
            await().atMost(Duration.ofSeconds(20)).until(() -> w.acked() > before + 500);
            System.out.printf("failover: new master after %d ms%n", (System.nanoTime() - killed) / 1_000_000);
        }
        JsonNode g = group(f, 0);
        String newMaster = g.at("/master/address").asText();
        assertThat(newMaster).isIn(f.groups().get(0).get(1).address(), f.groups().get(0).get(2).address());
        assertThat(g.path("epoch").asLong()).isEqualTo(1);
        assertThat(g.at("/history/0/outcome").asText()).isEqualTo("done");
        assertThat(events(f)).contains("+sdown", "+odown", "+failover-start", "+promoted", "+switch-master",
                "+failover-end");
        // the leader's /prometheus tells the same story: one failover done, the old master down
        String metrics = http.get(leader().adminUrl() + "/prometheus").expect(200).body();
        assertThat(metrics).containsPattern("cfgserver_failover_seconds_count\\{cluster=\"" + f.name()
                + "\",kind=\"failover\",outcome=\"done\"\\} 1(\\.0)?\n")
                .containsPattern("cfgserver_controller_events_total\\{cluster=\"" + f.name()
                        + "\",type=\"\\+odown\"\\} 1(\\.0)?\n")
                .containsPattern("cfgserver_instance_up\\{cluster=\"" + f.name() + "\",group=\"g1\",instance=\""
                        + java.util.regex.Pattern.quote(old.address()) + "\",role=\"[a-z]+\"\\} 0(\\.0)?\n")
                .containsPattern("cfgserver_instance_up\\{cluster=\"" + f.name() + "\",group=\"g1\",instance=\""
                        + java.util.regex.Pattern.quote(newMaster) + "\",role=\"master\"\\} 1(\\.0)?\n")
                .containsPattern("cfgserver_instance_used_memory_bytes\\{cluster=\"" + f.name() + "\",group=\"g1\",instance=\""
                        + java.util.regex.Pattern.quote(newMaster) + "\",role=\"master\"\\} [1-9][0-9.E]*\n")
                .containsPattern("cfgserver_instance_connected_clients\\{cluster=\"" + f.name() + "\",group=\"g1\",instance=\""
                        + java.util.regex.Pattern.quote(newMaster) + "\",role=\"master\"\\} [1-9][0-9.E]*\n");
        // both remaining replicas follow the new master
        for (RedisProcess r : f.groups().get(0).subList(1, 3)) {
            if (!r.address().equals(newMaster)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> info(r).contains("master_port:"
                        + newMaster.substring(newMaster.lastIndexOf(':') + 1)) && info(r).contains("master_link_status:up"));
            }
        }
        // the old master comes back empty and becomes a replica of the new master; it never replicates over it
        old.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> info(old).contains("role:slave")
                && info(old).contains("master_link_status:up"));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode now = group(f, 0);
            for (JsonNode r : now.path("replicas")) {
                if (r.path("address").asText().equals(old.address())) {
                    return !r.path("stale").asBoolean() && !r.path("banned").asBoolean();
                }
            }
            return false;
        });
        assertThat(events(f)).contains("+demoted");
    }

    @Test
    void aSwitchoverUnderLoadLosesNothing() throws Exception {
        Fleet f = fleet("switch", 1, 2);
        agent(f);
        String old = f.master(0).address();
        KeyWriter w = new KeyWriter("127.0.0.1", f.proxyPort(), "sw");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked() > 200);
            String target = f.groups().get(0).get(2).address();
            JsonNode record = http.post(url("/v1/clusters/switch/groups/g1/switchover"), Map.of("target", target))
                    .expect(200).json();
            assertThat(record.path("to").asText()).isEqualTo(target);
            assertThat(record.path("planned").asBoolean()).isTrue();
            long after = w.acked();
            await().atMost(Duration.ofSeconds(20)).until(() -> w.acked() > after + 500);
        } finally {
            w.close();
        }
        assertThat(group(f, 0).at("/master/address").asText()).isNotEqualTo(old);
        assertNothingLost(w, f.proxyPort());
        assertThat(info(f.master(0))).contains("role:slave");
        var again = http.post(url("/v1/clusters/switch/groups/g1/switchover"), Map.of("target", "127.0.0.1:1"));
        assertThat(again.status()).isEqualTo(404);
    }

    @Test
    void aKilledMasterUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        Fleet f = fleet("noloss", 1, 2);
        agent(f);
        KeyWriter w = new KeyWriter("127.0.0.1", f.proxyPort(), "nl");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked() > 300);
            f.master(0).kill9();
            await().atMost(Duration.ofSeconds(20)).until(() -> group(f, 0).path("epoch").asLong() == 1);
            long after = w.acked();
            await().atMost(Duration.ofSeconds(20)).until(() -> w.acked() > after + 300);
        } finally {
            w.close();
        }
        assertNothingLost(w, f.proxyPort());
    }

    @Test
    void aNewLeaderFinishesAFailoverItsPredecessorStarted() throws Exception {
        Fleet f = fleet("resume", 1, 1);
        ServiceProcess crashing = leader();
        Files.writeString(hooks.resolve("crash-at"), "after-begin-failover");
        f.master(0).kill9();
        await().atMost(Duration.ofSeconds(30)).until(() -> !crashing.isRunning());
        assertThat(Files.exists(hooks.resolve("crash-at"))).as("the hook fired").isFalse();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> http
                .tryGet(registry.peers().stream().filter(ServiceProcess::isRunning).findFirst().orElseThrow().baseUrl()
                        + "/v1/clusters/resume/groups/g1")
                .map(r -> r.json().path("failover").isNull() && r.json().path("epoch").asLong() == 1).orElse(false));
        crashing.start().waitReady(Duration.ofSeconds(90));
        JsonNode g = group(f, 0);
        assertThat(g.at("/master/address").asText()).isEqualTo(f.groups().get(0).get(1).address());
        assertThat(g.at("/history/0/outcome").asText()).isEqualTo("done");
        assertThat(info(f.groups().get(0).get(1))).contains("role:master");
    }

    @Test
    void noEligibleReplicaMeansNoFailoverAndSaysWhy() throws Exception {
        Fleet f = fleet("nogood", 1, 0);
        RedisProcess replica = redis();
        http.post(url("/v1/clusters/nogood/groups/g1/replicas"), Map.of("address", replica.address(), "priority", 0))
                .expect(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> info(replica).contains("master_link_status:up"));
        f.master(0).kill9();
        await().atMost(Duration.ofSeconds(20)).until(() -> events(f).contains("-failover-abort-no-good-replica"));
        assertThat(events(f)).contains("priority 0");
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(group(f, 0).at("/master/address").asText()).isEqualTo(f.master(0).address());
                    assertThat(group(f, 0).path("epoch").asLong()).isZero();
                    assertThat(info(replica)).contains("role:slave");
                });
    }

    @Test
    void aDeadReplicaIsBannedAndReadmittedOnceCaughtUp() throws Exception {
        Fleet f = fleet("ban", 1, 2);
        RedisProcess replica = f.groups().get(0).get(1);
        replica.kill9();
        await().atMost(Duration.ofSeconds(20)).until(() -> replicaFlag(f, replica, "banned"));
        assertThat(events(f)).contains("+ban");
        replica.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> info(replica).contains("master_link_status:up"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !replicaFlag(f, replica, "banned"));
        assertThat(events(f)).contains("-ban");
    }

    static boolean replicaFlag(Fleet f, RedisProcess r, String flag) {
        for (JsonNode n : group(f, 0).path("replicas")) {
            if (n.path("address").asText().equals(r.address())) {
                return n.path(flag).asBoolean();
            }
        }
        throw new AssertionError(r.address() + " is not a replica");
    }

    @Test
    void withAutoFailoverOffNothingHappensButEvents() throws Exception {
        Fleet f = fleet("manual", 1, 1);
        http.put(url("/v1/clusters/manual/policy"), Map.of("autoFailover", false)).expect(200);
        f.master(0).kill9();
        await().atMost(Duration.ofSeconds(20)).until(() -> events(f).contains("-failover-abort-auto-failover-off"));
        assertThat(events(f)).contains("+sdown", "+odown");
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(group(f, 0).path("epoch").asLong()).isZero();
                    assertThat(info(f.groups().get(0).get(1))).contains("role:slave");
                });
    }

    /**
     * Crash-aware detection: with downAfterMillis at 20 s, only the refusal rule (every peer sees the killed
     * master's port refusing connections for refusedDownAfterMillis) can fail the group over within 10 s.
     */
    @Test
    void aKilledMasterWhoseHostRefusesConnectionsFailsOverBeforeDownAfter() throws Exception {
        Fleet f = fleet("crash", 1, 1);
        http.put(url("/v1/clusters/crash/policy"), Map.of("downAfterMillis", 20_000, "refusedDownAfterMillis", 300)).expect(200);
        agent(f);
        try (KeyWriter w = new KeyWriter("127.0.0.1", f.proxyPort(), "crash")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked() > 50);
            f.master(0).kill9();
            try {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(group(f, 0).path("epoch").asLong())
                        .isEqualTo(1));
            } catch (AssertionError | RuntimeException e) {
                // what each peer's prober sees of the killed master (the rule needs every peer to see refusals)
                for (ServiceProcess p : registry.peers()) {
                    System.out.println("view of " + p.baseUrl() + ": " + http.get(p.baseUrl()
                            + "/v1/clusters/crash/instances?consistency=local").json());
                    System.out.println("log of " + p.baseUrl() + ":\n" + io.cfgserver.tests.support.ChildProcesses.tail(
                            p.logFile(), 80));
                }
                throw e;
            }
            assertThat(events(f)).contains("refusing connections", "refused 3/3");
            long before = w.acked();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked() > before + 50);
            w.close();
            assertNothingLost(w, f.proxyPort());
        }
    }

    /**
     * Maintenance: a master restarted on purpose inside a window is not failed over (the refusal rule would
     * fail it over in a third of a second otherwise); the window's end lets stop-loss act again.
     */
    @Test
    void aMasterInMaintenanceIsNotFailedOverUntilTheWindowEnds() throws Exception {
        Fleet f = fleet("upkeep", 1, 1);
        http.put(url("/v1/clusters/upkeep/maintenance/g1"), Map.of("seconds", 600, "reason", "redis upgrade")).expect(200);
        assertThat(http.get(url("/v1/clusters/upkeep/maintenance")).expect(200).json().toString()).contains("redis upgrade");
        http.put(url("/v1/clusters/upkeep/maintenance/g9"), Map.of("seconds", 600)).expect(404);
        http.put(url("/v1/clusters/upkeep/maintenance/g1"), Map.of("seconds", 0)).expect(422);
        f.master(0).kill9();
        await().atMost(Duration.ofSeconds(20)).until(() -> events(f).contains("-failover-abort-maintenance"));
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(group(f, 0).path("epoch").asLong()).isZero());
        http.delete(url("/v1/clusters/upkeep/maintenance/g1")).expect(204);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(group(f, 0).path("epoch").asLong()).isEqualTo(1));
        assertThat(events(f)).contains("+maintenance", "-maintenance");
    }
}
