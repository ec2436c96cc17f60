package io.cfgserver.tests.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.Json;
import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ProxyWriter;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TcpRelay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * Static stability (docs/agent.md) with real processes: a 3-peer registry, two groups of a master
 * and a replica, two proxies (agent + nutcracker). p2's agent reaches the registry only through TCP
 * relays, so the test can cut it off from a living registry. Per-group proxy fencing (the default).
 */
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StaticStabilityIT {
    static final long LEASE_MILLIS = 3000;
    static final String CLUSTER = "steady";
    @TempDir
    static Path tmp;
    static Path hooks;
    static ServiceCluster registry;
    static Http http;
    /** m1, r1, m2, r2. */
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static final List<TcpRelay> RELAYS = new ArrayList<>();
    static AgentProcess agent1;
    static AgentProcess agent2;
    static int port1;
    static int port2;

    @BeforeAll
    static void start() throws IOException {
        hooks = Files.createDirectories(tmp.resolve("hooks"));
        registry = ServiceCluster.builder().dir(tmp.resolve("registry")).temporalTarget("127.0.0.1:" + LoopbackPorts.next())
                .eachPeer(b -> b.jvmArgs("-Dcfgserver.test.hooksDir=" + hooks)).start();
        http = registry.http();
        for (int i = 0; i < 4; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis")));
        }
        port1 = LoopbackPorts.next();
        port2 = LoopbackPorts.next();
        http.post(url("/v1/clusters"), Map.of("name", CLUSTER,
                "groups", List.of(Map.of("id", "g1", "master", REDIS.get(0).address(), "replicas", List.of(REDIS.get(1).address())),
                        Map.of("id", "g2", "master", REDIS.get(2).address(), "replicas", List.of(REDIS.get(3).address()))),
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + port1),
                        Map.of("id", "p2", "listen", "127.0.0.1:" + port2)))).expect(201);
        List<String> direct = new ArrayList<>();
        List<String> relayed = new ArrayList<>();
        for (ServiceProcess p : registry.peers()) {
            direct.add(p.baseUrl());
            TcpRelay relay = TcpRelay.start(p.restPort());
            RELAYS.add(relay);
            relayed.add("http://" + relay.address());
        }
        agent1 = new AgentProcess(tmp.resolve("agent-p1"), CLUSTER, "p1", direct, registry.token(), LEASE_MILLIS).start();
        agent2 = new AgentProcess(tmp.resolve("agent-p2"), CLUSTER, "p2", relayed, registry.token(), LEASE_MILLIS).start();
        awaitBothServe(version());
    }

    @AfterAll
    static void stop() throws IOException {
        Files.deleteIfExists(unreachableHook());
        for (AgentProcess a : new AgentProcess[] {agent1, agent2}) {
            if (a != null) {
                a.close();
            }
        }
        RELAYS.forEach(TcpRelay::close);
        REDIS.forEach(RedisProcess::close);
        if (registry != null) {
            registry.close();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    static String url(String path) {
        return registry.any().baseUrl() + path;
    }

    static JsonNode cluster() {
        return http.get(url("/v1/clusters/" + CLUSTER)).expect(200).json().path("cluster");
    }

    static long version() {
        return cluster().path("version").asLong();
    }

    static SlotMap slots() throws IOException {
        return Json.mapper().treeToValue(cluster().path("slots"), SlotMap.class);
    }

    static JsonNode proxy(String id) {
        for (JsonNode p : http.get(url("/v1/clusters/" + CLUSTER + "/proxies")).expect(200).json()) {
            if (p.at("/proxy/id").asText().equals(id)) {
                return p;
            }
        }
        throw new AssertionError("no proxy " + id);
    }

    static void awaitBothServe(long version) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            for (String id : List.of("p1", "p2")) {
                JsonNode p = proxy(id);
                assertThat(p.path("standing").asText()).as("%s\n%s", p, (id.equals("p1") ? agent1 : agent2).logTail())
                        .isEqualTo("SERVING");
                assertThat(p.at("/proxy/servedVersion").asLong()).isGreaterThanOrEqualTo(version);
            }
        });
    }

    static Optional<FencingStamp> stampOn(RedisProcess r) {
        try (Jedis j = r.jedis()) {
            j.select(FencingStamp.DB);
            return FencingStamp.decode(j.get(FencingStamp.KEY));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Both replicas hold a copy of their master's stamp naming them at the group's epoch. */
    static void awaitStamps() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode groups = cluster().path("groups");
            for (JsonNode g : groups) {
                String master = g.at("/master/address").asText();
                for (JsonNode r : g.path("replicas")) {
                    RedisProcess replica = REDIS.stream().filter(x -> x.address().equals(r.path("address").asText()))
                            .findFirst().orElseThrow();
                    Optional<FencingStamp> s = stampOn(replica);
                    assertThat(s).as("stamp copy on %s", replica.address()).isPresent();
                    assertThat(s.get().master().toString()).isEqualTo(master);
                    assertThat(s.get().names(CLUSTER, g.path("id").asText(), g.path("epoch").asLong(),
                            Address.parse(replica.address()))).as("%s", s.get()).isTrue();
                }
            }
        });
    }

    static JsonNode status(AgentProcess a) throws IOException {
        return Json.mapper().readTree(Files.readString(a.workDir().resolve("status.json")));
    }

    static Path unreachableHook() {
        return hooks.resolve("unreachable-" + REDIS.get(0).address());
    }

    /** Every group of {@code w} has more acknowledged writes after {@code periodMillis} than before. */
    static void assertEveryGroupProgresses(ProxyWriter w, String name, long periodMillis) throws InterruptedException {
        long o1 = w.group("g1").oks;
        long o2 = w.group("g2").oks;
        Thread.sleep(periodMillis); // a fixed observation window, not a wait for a condition
        assertThat(w.group("g1").oks).as("%s: writes to g1 acknowledged in the last %d ms", name, periodMillis)
                .isGreaterThan(o1);
        assertThat(w.group("g2").oks).as("%s: writes to g2 acknowledged in the last %d ms", name, periodMillis)
                .isGreaterThan(o2);
    }

    static long eventTime(String type, String subject) {
        for (JsonNode e : http.get(url("/v1/clusters/" + CLUSTER + "/events?limit=1000")).expect(200).json()) {
            if (e.path("type").asText().equals(type) && e.path("subject").asText().equals(subject)) {
                return e.path("atMillis").asLong();
            }
        }
        throw new AssertionError("no event " + type + " " + subject);
    }

    // ---- tests -----------------------------------------------------------------------------

    @Test
    @Order(1)
    void withEveryPeerKilledBothProxiesKeepServingAndFollowTheRegistryWhenItReturns() throws Exception {
        awaitStamps();
        SlotMap slots = slots();
        long pid1 = agent1.nutcracker().orElseThrow().pid();
        long pid2 = agent2.nutcracker().orElseThrow().pid();
        try (ProxyWriter w1 = new ProxyWriter("127.0.0.1", port1, "calm1", slots, List.of("g1", "g2"), 2000);
                ProxyWriter w2 = new ProxyWriter("127.0.0.1", port2, "calm2", slots, List.of("g1", "g2"), 2000)) {
            w1.start();
            w2.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> w1.acks().size() > 100 && w2.acks().size() > 100);
            long failures1 = w1.group("g1").failures + w1.group("g2").failures;
            long failures2 = w2.group("g1").failures + w2.group("g2").failures;

            registry.peers().forEach(ServiceProcess::kill9);
            long killedAt = System.currentTimeMillis();
            // 60 s without any registry peer: both proxies keep acknowledging writes to both groups
            for (int i = 0; i < 30; i++) {
                assertEveryGroupProgresses(w1, "p1", 1000);
                assertEveryGroupProgresses(w2, "p2", 1000);
                if (i == 15) {
                    // the agent dies too: the watchdog keeps its nutcracker serving, a new agent adopts it
                    agent1.kill9();
                    assertEveryGroupProgresses(w1, "p1 without its agent", 1000);
                    agent1.start();
                    await().atMost(Duration.ofSeconds(30)).until(() -> agent1.logTail().contains("+proxy-adopt"));
                }
            }
            assertThat(System.currentTimeMillis() - killedAt).isGreaterThanOrEqualTo(60_000);
            assertThat(agent1.nutcracker().orElseThrow().pid()).as("p1's nutcracker never restarted").isEqualTo(pid1);
            assertThat(agent2.nutcracker().orElseThrow().pid()).as("p2's nutcracker never restarted").isEqualTo(pid2);
            assertThat(w1.group("g1").failures + w1.group("g2").failures).as("write failures through p1").isEqualTo(failures1);
            assertThat(w2.group("g1").failures + w2.group("g2").failures).as("write failures through p2").isEqualTo(failures2);
            for (AgentProcess a : List.of(agent1, agent2)) {
                JsonNode s = status(a);
                assertThat(s.path("managed").asBoolean()).as("%s", s).isFalse();
                assertThat(s.path("fencedGroups").size()).as("%s", s).isZero();
                assertThat(System.currentTimeMillis() - s.path("lastVouchMillis").asLong())
                        .as("the agent keeps vouching by evidence: %s", s).isLessThan(5000);
            }
            assertThat(agent2.logTail()).contains("+proxy-unmanaged");

            registry.peers().forEach(ServiceProcess::start);
            registry.peers().forEach(p -> p.waitReady(ServiceCluster.READY_TIMEOUT));
            registry.waitForLeader(ServiceCluster.LEADER_TIMEOUT);
            awaitBothServe(version());
            // a later topology change reaches both proxies
            int port3 = LoopbackPorts.next();
            http.post(url("/v1/clusters/" + CLUSTER + "/proxies"), Map.of("id", "p3", "listen", "127.0.0.1:" + port3))
                    .expect(201);
            http.delete(url("/v1/clusters/" + CLUSTER + "/proxies/p3")).expect(204);
            awaitBothServe(version());
            assertThat(status(agent1).path("managed").asBoolean()).isTrue();
            String events = http.get(url("/v1/clusters/" + CLUSTER + "/events?limit=1000")).expect(200).json().toString();
            assertThat(events).contains("-proxy-unmanaged");
            w1.close();
            w2.close();
            assertThat(ProxyWriter.missing("127.0.0.1", port1, w1.acks())).as("acknowledged through p1, lost").isEmpty();
            assertThat(ProxyWriter.missing("127.0.0.1", port2, w2.acks())).as("acknowledged through p2, lost").isEmpty();
        }
    }

    @Test
    @Order(2)
    void aProxyCutOffFromALivingRegistryFencesOnlyTheGroupThatFailedOverAndRejoins() throws Exception {
        awaitBothServe(version());
        awaitStamps();
        RedisProcess m1 = REDIS.get(0);
        RedisProcess r1 = REDIS.get(1);
        SlotMap slots = slots();
        long baseMillis = System.currentTimeMillis();
        long baseNanos = System.nanoTime();
        try (ProxyWriter w = new ProxyWriter("127.0.0.1", port2, "cut", slots, List.of("g1", "g2"), 2000)) {
            w.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acks().size() > 100);

            RELAYS.forEach(TcpRelay::cut);
            await().atMost(Duration.ofMillis(LEASE_MILLIS + 5000)).until(() -> proxy("p2").path("standing").asText()
                    .equals("UNMANAGED"));
            assertEveryGroupProgresses(w, "p2 cut off, nothing failed over yet", 1500);

            // g1's master is cut off from the control plane; p2 (and r1) still reach it
            Files.createFile(unreachableHook());
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster().path("groups").get(0).at("/master/address")
                    .asText().equals(r1.address()));
            long committedAt = eventTime("+switch-master", "group-[" + CLUSTER + "/g1]");
            await().atMost(Duration.ofSeconds(15)).until(() -> status(agent2).path("fencedGroups").has("g1"));
            long fencedSeenAt = System.currentTimeMillis();
            assertThat(status(agent2).path("fencedGroups").has("g2")).as("g2 is not fenced").isFalse();
            assertEveryGroupProgressesOnly(w, "g2", 2000);
            long healedAt = System.currentTimeMillis();
            RELAYS.forEach(TcpRelay::heal);

            // no write to g1 acknowledged through p2 (so by the old master) later than commit + lease
            List<ProxyWriter.Ack> late = w.acks().stream().filter(a -> a.group().equals("g1"))
                    .filter(a -> {
                        long at = baseMillis + (a.ackNanos() - baseNanos) / 1_000_000;
                        return at > committedAt + LEASE_MILLIS && at < healedAt;
                    }).toList();
            assertThat(late).as("writes to g1 acknowledged by the demoted master through p2 after commit + lease").isEmpty();
            long lastOldMaster = w.acks().stream().filter(a -> a.group().equals("g1"))
                    .mapToLong(a -> baseMillis + (a.ackNanos() - baseNanos) / 1_000_000).filter(t -> t < healedAt)
                    .max().orElse(0);
            System.out.printf("static-stability: g1 committed on the new master at %d; last g1 write through p2 acknowledged "
                    + "by the old master %d ms after that; p2 fenced g1 (seen by the test) %d ms after it%n",
                    committedAt, lastOldMaster - committedAt, fencedSeenAt - committedAt);

            // back with the registry: p2 serves the new map, g1 through p2 now lands on the new master
            awaitBothServe(version());
            await().atMost(Duration.ofSeconds(10)).until(() -> status(agent2).path("managed").asBoolean()
                    && status(agent2).path("fencedGroups").isEmpty());
            String key = keyInGroup(slots, "g1");
            try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", port2); Jedis onR1 = r1.jedis()) {
                assertThat(j.set(key, "after-heal")).isEqualTo("OK");
                assertThat(onR1.get(key)).isEqualTo("after-heal");
            }
            assertEveryGroupProgresses(w, "p2 back with the registry", 1500);
            Files.deleteIfExists(unreachableHook());
            w.close();
            List<ProxyWriter.Ack> g2 = w.acks().stream().filter(a -> a.group().equals("g2")).toList();
            assertThat(ProxyWriter.missing("127.0.0.1", port2, g2)).as("writes to g2 through p2, lost").isEmpty();
            assertThat(m1.isAlive()).isTrue();
        }
    }

    /** {@code group} keeps acknowledging writes through {@code w} (a fixed observation window). */
    static void assertEveryGroupProgressesOnly(ProxyWriter w, String group, long periodMillis) throws InterruptedException {
        long before = w.group(group).oks;
        Thread.sleep(periodMillis);
        assertThat(w.group(group).oks).as("writes to %s acknowledged in the last %d ms", group, periodMillis)
                .isGreaterThan(before);
    }

    static String keyInGroup(SlotMap slots, String group) {
        for (int i = 0;; i++) {
            String k = "probe-" + i;
            if (slots.owner(Slots.slot(k)).equals(group)) {
                return k;
            }
        }
    }
}
