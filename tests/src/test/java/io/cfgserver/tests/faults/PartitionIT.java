package io.cfgserver.tests.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.KeyWriter;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NetLab;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Stop-loss and static stability under real network partitions: every registry peer, redis-server
 * and proxy (agent + nutcracker) in a network namespace of its own ({@link NetLab}), cut by
 * nftables rules that drop packets, so that the cut-off side sees timeouts as with a pulled cable,
 * not refused connections. The test JVM (the clients' writer) is outside, on the bridge.
 *
 * <ul>
 *   <li>the old master cut off from the control plane and from its replica, while its proxy still
 *       reaches it: it is failed over, the proxy switches, and the only acknowledged writes lost
 *       are those it acknowledged between the cut and the switch (docs/failover.md, "What
 *       asynchronous replication still costs"); once healed it comes back as a replica;</li>
 *   <li>the registry leader cut off from every Redis (the others still see them): no failover;</li>
 *   <li>a proxy cut off from every registry peer keeps serving without one failed write.</li>
 * </ul>
 */
@Timeout(600)
class PartitionIT {
    static final long LEASE_MILLIS = 3000;
    /** How long before the cut an acknowledged write may still be only on the old master. */
    static final long IN_FLIGHT_NANOS = 50_000_000;

    @TempDir
    static Path tmp;
    static NetLab lab;
    static ServiceCluster registry;
    static Http http;
    static final Map<String, NetLab.Host> PEER_HOSTS = new ConcurrentHashMap<>();
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static final List<AgentProcess> AGENTS = new ArrayList<>();

    @BeforeAll
    static void start() {
        assertThat(NetLab.unavailable()).as("network namespaces (run deploy/test.sh as root: it installs nftables)").isEmpty();
        lab = NetLab.create();
        registry = ServiceCluster.builder().dir(tmp.resolve("registry"))
                .temporalTarget("127.0.0.1:" + LoopbackPorts.next())   // no jobs here
                .placeEach(id -> PEER_HOSTS.computeIfAbsent(id, lab::host).placement())
                .start();
        http = registry.http();
    }

    @AfterEach
    void heal() {
        lab.heal();
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
        if (lab != null) {
            lab.close();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    static String url(String path) {
        return registry.any().baseUrl() + path;
    }

    static List<NetLab.Host> peerHosts() {
        return registry.peers().stream().map(p -> PEER_HOSTS.get(p.peerId())).toList();
    }

    static NetLab.Host hostOf(ServiceProcess peer) {
        return PEER_HOSTS.get(peer.peerId());
    }

    /** Groups g1, g2 of a master and one replica, each redis in a namespace; proxy p1 in its own. */
    record Fleet(String name, List<NetLab.Host> hosts, List<RedisProcess> redis, NetLab.Host proxyHost, int proxyPort) {
        RedisProcess master(int g) {
            return redis.get(2 * g);
        }

        RedisProcess replica(int g) {
            return redis.get(2 * g + 1);
        }

        NetLab.Host masterHost(int g) {
            return hosts.get(2 * g);
        }

        NetLab.Host replicaHost(int g) {
            return hosts.get(2 * g + 1);
        }

        Jedis proxy() {
            return NutcrackerProcess.proxyClient(proxyHost.ip(), proxyPort);
        }
    }

    static Fleet fleet(String name) {
        List<NetLab.Host> hosts = new ArrayList<>();
        List<RedisProcess> redis = new ArrayList<>();
        List<Map<String, Object>> specs = new ArrayList<>();
        for (int g = 1; g <= 2; g++) {
            for (String role : List.of("m", "s")) {
                NetLab.Host h = lab.host(name + "-" + role + g);
                RedisProcess r = RedisProcess.start(tmp.resolve("redis"), h.placement());
                REDIS.add(r);
                hosts.add(h);
                redis.add(r);
            }
            specs.add(Map.of("id", "g" + g, "master", redis.get(2 * g - 2).address(),
                    "replicas", List.of(redis.get(2 * g - 1).address())));
        }
        NetLab.Host px = lab.host(name + "-px");
        int proxyPort = LoopbackPorts.next();
        http.post(url("/v1/clusters"), Map.of("name", name, "groups", specs,
                "proxies", List.of(Map.of("id", "p1", "listen", px.ip() + ":" + proxyPort)))).expect(201);
        http.put(url("/v1/clusters/" + name + "/policy"), Map.of("downAfterMillis", 1000, "maxFailoversPerWindow", 100))
                .expect(200);
        Fleet f = new Fleet(name, hosts, redis, px, proxyPort);
        for (int g = 0; g < 2; g++) {
            RedisProcess replica = f.replica(g);
            await().atMost(Duration.ofSeconds(30)).until(() -> info(replica).contains("master_link_status:up"));
        }
        AgentProcess agent = new AgentProcess(tmp.resolve("agent-" + name), name, "p1",
                registry.peers().stream().map(ServiceProcess::baseUrl).toList(), registry.token(), LEASE_MILLIS)
                .placedAt(px.placement()).start();
        AGENTS.add(agent);
        await().atMost(Duration.ofSeconds(30)).until(() -> pings(f));
        return f;
    }

    static boolean pings(Fleet f) {
        try (Jedis j = f.proxy()) {
            return "PONG".equals(j.ping());
        } catch (RuntimeException e) {
            return false;
        }
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

    static long servedVersion(Fleet f) {
        for (JsonNode p : http.get(url("/v1/clusters/" + f.name() + "/proxies")).expect(200).json()) {
            return p.at("/proxy/servedVersion").asLong();
        }
        return -1;
    }

    static long clusterVersion(Fleet f) {
        return http.get(url("/v1/clusters/" + f.name())).expect(200).json().at("/cluster/version").asLong();
    }

    static KeyWriter writer(Fleet f) {
        return new KeyWriter(f.proxyHost().ip(), f.proxyPort(), f.name());
    }

    // ---- tests -----------------------------------------------------------------------------

    @Test
    void anOldMasterCutOffFromTheControlPlaneButNotFromItsProxyIsReplacedAndLosesOnlyItsWindow() throws Exception {
        Fleet f = fleet("isolated");
        RedisProcess old = f.master(0);
        RedisProcess replica = f.replica(0);
        long cutAt;
        long switchSeenAt;
        long inFlight;
        Map<String, Long> lost;
        int acked;
        try (KeyWriter w = writer(f)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked() > 300);
            List<NetLab.Host> controlPlaneAndReplica = new ArrayList<>(peerHosts());
            controlPlaneAndReplica.add(f.replicaHost(0));
            // writes acknowledged just before the cut may still be in the replication stream it drops:
            // the window opens a little before the rules are in (the nft commands take ~10 ms)
            cutAt = System.nanoTime() - IN_FLIGHT_NANOS;
            lab.cut(List.of(f.masterHost(0)), controlPlaneAndReplica);
            // the proxy still reaches the old master: it keeps acknowledging writes for a while
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> group(f, 0).at("/master/address").asText().equals(replica.address()));
            long version = clusterVersion(f);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> servedVersion(f) >= version);
            switchSeenAt = System.nanoTime();
            int before = w.acked();
            await().atMost(Duration.ofSeconds(20)).until(() -> w.acked() > before + 500);
            w.close();
            acked = w.acked();
            long inWindow = w.ackedAtNanos().values().stream().filter(t -> t >= cutAt && t <= switchSeenAt).count();
            lost = w.lost();
            inFlight = lost.values().stream().filter(t -> t < cutAt + IN_FLIGHT_NANOS).count();
            System.out.printf("isolated master: failover seen %d ms after the cut; %d acknowledged in that window,"
                    + " %d lost of %d acknowledged (%d of them acknowledged just before the cut); %d failed writes%n",
                    (switchSeenAt - cutAt - IN_FLIGHT_NANOS) / 1_000_000, inWindow, lost.size(), acked, inFlight,
                    w.failed());
        }
        assertThat(events(f)).contains("+sdown", "+odown", "+switch-master", "+failover-end");
        // what was lost was acknowledged by the old master between the cut and the switch: never before, never after
        assertThat(lost.values()).as("ack times of lost writes must lie between the cut and the switch")
                .allSatisfy(t -> assertThat(t).isBetween(cutAt, switchSeenAt));
        // healed, the old master returns as a replica of the new one and drops what it alone acknowledged
        lab.heal();
        await().atMost(Duration.ofSeconds(30)).until(() -> info(old).contains("role:slave")
                && info(old).contains("master_port:" + replica.port()) && info(old).contains("master_link_status:up"));
        await().atMost(Duration.ofSeconds(30)).until(() -> events(f).contains("+demoted"));
        assertThat(info(replica)).contains("role:master");
    }

    @Test
    void aLeaderCutOffFromEveryRedisFailsOverNoHealthyMaster() throws Exception {
        Fleet f = fleet("blind");
        ServiceProcess leader = registry.waitForLeader(Duration.ofSeconds(60));
        lab.cut(List.of(hostOf(leader)), f.hosts());
        await().atMost(Duration.ofSeconds(20)).until(() -> events(f).contains("-odown-not-confirmed"));
        // several more downAfter periods: nothing may happen all along
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    for (int g = 0; g < 2; g++) {
                        assertThat(group(f, g).path("epoch").asLong()).isZero();
                        assertThat(group(f, g).at("/master/address").asText()).isEqualTo(f.master(g).address());
                        assertThat(info(f.master(g))).contains("role:master");
                    }
                    assertThat(events(f)).doesNotContain("+failover-start");
                });
    }

    @Test
    void aProxyCutOffFromEveryRegistryPeerKeepsServing() throws Exception {
        Fleet f = fleet("alone");
        try (KeyWriter w = writer(f)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.acked() > 300);
            lab.cut(List.of(f.proxyHost()), peerHosts());
            long failedBefore = w.failed();
            int before = w.acked();
            // three leases long without a word from the registry: not one failed write
            await().during(Duration.ofMillis(3 * LEASE_MILLIS)).atMost(Duration.ofMillis(3 * LEASE_MILLIS + 5000))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(w.failed()).isEqualTo(failedBefore));
            assertThat(w.acked()).isGreaterThan(before + 1000);
            lab.heal();
            // back in touch, its lease is renewed
            await().atMost(Duration.ofSeconds(20)).until(() -> events(f).contains("-proxy-unmanaged"));
            assertThat(w.failed()).isEqualTo(failedBefore);
            w.close();
            assertThat(w.lost()).isEmpty();
        }
    }
}
