package io.cfgserver.tests.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TemporalDevServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The add-replica job end to end: REST API of a real 3-peer cfgserver, a real Temporal dev server,
 * real redis-servers. Includes a kill -9 of every cfgserver process while the job waits for the
 * replica's sync.
 */
@Timeout(600)
class AddReplicaEndToEndIT {
    @TempDir
    static Path tmp;
    static TemporalDevServer temporal;
    static ServiceCluster service;
    static Http http;
    static final List<RedisProcess> REDIS = new ArrayList<>();

    @BeforeAll
    static void start() {
        temporal = TemporalDevServer.start(tmp.resolve("temporal"), false);
        service = ServiceCluster.start(tmp.resolve("service"), temporal.target());
        http = service.http();
        awaitTemporalHealthy();
    }

    static void awaitTemporalHealthy() {
        for (ServiceProcess p : service.peers()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> http
                    .tryGet(p.adminUrl() + "/healthcheck").map(r -> r.json().at("/temporal/temporalReachable").asBoolean())
                    .orElse(false));
        }
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (temporal != null) {
            temporal.close();
        }
        REDIS.forEach(RedisProcess::close);
    }

    static RedisProcess redis(String... args) {
        RedisProcess r = RedisProcess.start(tmp.resolve("redis"), args);
        REDIS.add(r);
        return r;
    }

    static void fill(RedisProcess r, int keys) {
        try (Jedis j = r.jedis()) {
            for (int i = 0; i < keys; i++) {
                j.set("k" + i, "v" + i);
            }
        }
    }

    static String createCluster(String name, RedisProcess master) {
        http.post(service.any().baseUrl() + "/v1/clusters", Map.of("name", name, "groups",
                List.of(Map.of("id", "g1", "master", master.address(), "replicas", List.of())))).expect(201);
        return name;
    }

    static String startJob(String cluster, RedisProcess spare) {
        JsonNode started = http.post(service.any().baseUrl() + "/v1/clusters/" + cluster + "/jobs", Map.of("type",
                "add-replica", "params", Map.of("group", "g1", "address", spare.address()))).expect(201).json();
        assertThat(started.at("/job/state").asText()).isEqualTo("RUNNING");
        return started.at("/job/id").asText();
    }

    static JsonNode job(String id) {
        return http.get(service.any().baseUrl() + "/v1/jobs/" + id).expect(200).json();
    }

    static void assertReplicaOf(String cluster, RedisProcess spare, RedisProcess master, int keys) {
        JsonNode group = http.get(service.any().baseUrl() + "/v1/clusters/" + cluster + "/groups/g1").expect(200).json();
        assertThat(group.path("replicas").toString()).contains(spare.address());
        try (Jedis j = spare.jedis()) {
            assertThat(j.info("replication")).contains("role:slave").contains("master_port:" + master.port())
                    .contains("master_link_status:up");
            assertThat(j.dbSize()).isEqualTo(keys);
        }
    }

    @Test
    void addsAReplicaThroughTheApiAndShowsItInTemporal() {
        RedisProcess master = redis();
        RedisProcess spare = redis();
        fill(master, 1000);
        String cluster = createCluster("jobs-a", master);
        String id = startJob(cluster, spare);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> job(id).at("/job/state").asText().equals("SUCCEEDED"));
        JsonNode done = job(id);
        assertThat(done.path("workflowStatus").asText()).isEqualTo("COMPLETED");
        assertThat(done.at("/progress/step").asText()).isEqualTo("finish");
        assertReplicaOf(cluster, spare, master, 1000);
        // the Temporal UI finds it by the search attributes
        await().atMost(Duration.ofSeconds(20)).until(() -> temporal.cli("workflow", "list", "--query",
                "CfgCluster='jobs-a' AND CfgJobType='add-replica'").map(out -> out.contains(id)).orElse(false));
        // a second topology-changing job on the same cluster is fine once the first has finished,
        // and an address that is now registered is refused
        var again = http.post(service.any().baseUrl() + "/v1/clusters/" + cluster + "/jobs", Map.of("type",
                "add-replica", "params", Map.of("group", "g1", "address", spare.address())));
        assertThat(again.status()).isEqualTo(409);
    }

    @Test
    void finishesAfterEveryServiceProcessIsKilledWhileTheJobWaits() {
        // the master waits 6 s before it starts the replica's sync, so the job sits in await-sync
        RedisProcess master = redis("--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "6");
        RedisProcess spare = redis();
        fill(master, 500);
        String cluster = createCluster("jobs-b", master);
        String id = startJob(cluster, spare);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> job(id).at("/progress/step").asText().equals("await-sync"));
        service.peers().forEach(ServiceProcess::kill9);
        service.peers().forEach(ServiceProcess::start);
        service.peers().forEach(p -> p.waitReady(Duration.ofSeconds(90)));
        service.waitForLeader(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> http.tryGet(service.any().baseUrl() + "/v1/jobs/" + id)
                        .map(r -> r.json().at("/job/state").asText().equals("SUCCEEDED")).orElse(false));
        assertReplicaOf(cluster, spare, master, 500);
        assertThat(job(id).path("workflowStatus").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void cancelDetachesTheReplicaAndReleasesTheCluster() {
        RedisProcess master = redis("--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "30");
        RedisProcess spare = redis();
        String cluster = createCluster("jobs-c", master);
        String id = startJob(cluster, spare);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> job(id).at("/progress/step").asText().equals("await-sync"));
        http.post(service.any().baseUrl() + "/v1/jobs/" + id + "/cancel", null).expect(200);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> job(id).at("/job/state").asText().equals("CANCELLED"));
        try (Jedis j = spare.jedis()) {
            assertThat(j.info("replication")).contains("role:master");
        }
        JsonNode group = http.get(service.any().baseUrl() + "/v1/clusters/" + cluster + "/groups/g1").expect(200).json();
        assertThat(group.path("replicas")).isEmpty();
        var cancelAgain = http.post(service.any().baseUrl() + "/v1/jobs/" + id + "/cancel", null);
        assertThat(cancelAgain.status()).isEqualTo(409);
    }
}
