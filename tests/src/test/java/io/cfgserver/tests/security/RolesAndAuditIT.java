package io.cfgserver.tests.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.ChildProcesses;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Roles and the audit log against a real 3-peer registry with users configured (tokens stored as
 * SHA-256 only), real redis-servers and a real agent + nutcracker holding a proxy token: 401 without
 * or with a wrong token, 403 with too small a role or another proxy's id, both JSON and changing
 * nothing; every change and every refusal in {@code GET /v1/audit} on every peer; a peer whose users
 * are wrong refuses to start and says why.
 */
@Timeout(300)
class RolesAndAuditIT {
    static final String CLUSTER = "sec";
    static final String VIEWER = "viewer-token-1";
    static final String OPERATOR = "operator-token-1";
    static final String ADMIN = "admin-token-1";
    static final String PROXY = "proxy-p1-token";

    @TempDir
    static Path tmp;
    static ServiceCluster service;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static AgentProcess agent;
    static String base;

    static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    static String users() throws Exception {
        return "  users:\n"
                + "    - {name: vera, role: viewer, tokenSha256: \"" + sha256(VIEWER) + "\"}\n"
                + "    - {name: otto, role: operator, tokenSha256: \"" + sha256(OPERATOR) + "\"}\n"
                + "    - {name: ada, role: admin, tokenSha256: \"" + sha256(ADMIN) + "\"}\n"
                + "    - {name: agent-p1, role: proxy, proxies: [\"" + CLUSTER + "/p1\"], tokenSha256: \"" + sha256(PROXY) + "\"}\n";
    }

    @BeforeAll
    static void start() throws Exception {
        String users = users();
        service = ServiceCluster.builder().dir(tmp.resolve("service")).temporalTarget("127.0.0.1:" + LoopbackPorts.next())
                .eachPeer(b -> b.authYaml(users)).start();
        base = service.leader().baseUrl();
        for (int i = 0; i < 2; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis")));
        }
        Http.withToken(ADMIN).post(base + "/v1/clusters", Map.of("name", CLUSTER,
                "groups", List.of(Map.of("id", "g1", "master", REDIS.get(0).address(), "replicas", List.of(REDIS.get(1).address()))),
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + LoopbackPorts.next()),
                        Map.of("id", "p2", "listen", "127.0.0.1:" + LoopbackPorts.next())))).expect(201);
        List<String> urls = service.peers().stream().map(ServiceProcess::baseUrl).toList();
        agent = new AgentProcess(tmp.resolve("agent"), CLUSTER, "p1", urls, PROXY, 10_000).start();
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (service != null) {
            service.close();
        }
        REDIS.forEach(RedisProcess::close);
    }

    static String url(String path) {
        return base + path;
    }

    static long version() {
        return Http.withToken(VIEWER).get(url("/v1/clusters/" + CLUSTER)).expect(200).json().at("/cluster/version").asLong();
    }

    @Test
    void tokensAndRolesDecideWhatPassesAndRefusalsChangeNothing() throws Exception {
        // no token, or a token nobody has: 401 with JSON that says what to send
        Http.Response none = Http.anonymous().get(url("/v1/clusters"));
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().path("message").asText()).contains("Authorization: Bearer");
        Http.Response wrong = Http.withToken("not-a-token").put(url("/v1/clusters/" + CLUSTER + "/policy"),
                Map.of("autoFailover", false));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().path("error").asText()).isEqualTo("unauthorized");

        // viewer reads, and may not change anything: 403 names the role needed and the caller's
        assertThat(Http.withToken(VIEWER).get(url("/v1/clusters")).status()).isEqualTo(200);
        long before = version();
        Http.Response viewerChange = Http.withToken(VIEWER).put(url("/v1/clusters/" + CLUSTER + "/policy"),
                Map.of("autoFailover", false));
        assertThat(viewerChange.status()).isEqualTo(403);
        assertThat(viewerChange.json().path("message").asText()).contains("operator").contains("'vera' has role viewer");
        assertThat(Http.withToken(VIEWER).get(url("/v1/clusters/" + CLUSTER + "/policy")).expect(200).json()
                .path("autoFailover").asBoolean()).isTrue();
        assertThat(Http.withToken(VIEWER).get(url("/v1/audit")).status()).isEqualTo(403);
        assertThat(version()).isEqualTo(before);

        // operator: policy yes; forced slot assignment, cluster deletion and registry membership no
        Http.withToken(OPERATOR).put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("downAfterMillis", 1500)).expect(200);
        before = version();
        Http.Response slots = Http.withToken(OPERATOR).put(url("/v1/clusters/" + CLUSTER + "/slots"),
                Map.of("assignments", List.of(Map.of("from", 0, "to", 1023, "group", "g1")), "force", true));
        assertThat(slots.status()).isEqualTo(403);
        assertThat(slots.json().path("message").asText()).contains("admin");
        assertThat(Http.withToken(OPERATOR).delete(url("/v1/clusters/" + CLUSTER)).status()).isEqualTo(403);
        assertThat(Http.withToken(OPERATOR).post(url("/v1/registry/peers"), Map.of("id", "p9", "address", "127.0.0.1:1"))
                .status()).isEqualTo(403);
        assertThat(version()).isEqualTo(before);

        // the proxy token: its own lease and its cluster's topology only; nothing that could fail anything over
        Http proxy = Http.withToken(PROXY);
        assertThat(proxy.get(url("/v1/clusters/" + CLUSTER + "/topology")).status()).isEqualTo(200);
        Http.Response other = proxy.post(url("/v1/clusters/" + CLUSTER + "/proxies/p2/lease"),
                Map.of("servedVersion", 1, "leaseMillis", 5000));
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.json().path("message").asText()).contains("agent-p1").contains(CLUSTER + "/p1");
        assertThat(proxy.post(url("/v1/clusters/" + CLUSTER + "/groups/g1/switchover"), Map.of()).status()).isEqualTo(403);
        assertThat(proxy.put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("autoFailover", false)).status()).isEqualTo(403);
        assertThat(proxy.get(url("/v1/clusters")).status()).isEqualTo(403);
        Map<String, String> text = Map.of("Accept", "text/plain"); // nutcracker.yml is text
        assertThat(proxy.send("GET", url("/v1/clusters/" + CLUSTER + "/proxies/p2/nutcracker.yml"), null, text).status())
                .isEqualTo(403);
        assertThat(proxy.send("GET", url("/v1/clusters/" + CLUSTER + "/proxies/p1/nutcracker.yml"), null, text).status())
                .isEqualTo(200);
        assertThat(proxy.post(url("/v1/clusters/other/events"), Map.of("type", "+x", "subject", "proxy-[p1]", "message", ""))
                .status()).isEqualTo(403);
        Http.Response forged = proxy.post(url("/v1/clusters/" + CLUSTER + "/events"),
                Map.of("type", "+failover-end", "subject", "group-[g1]", "message", "forged"));
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.json().path("message").asText()).contains("its own proxies");
        assertThat(proxy.post(url("/v1/clusters/" + CLUSTER + "/events"), Map.of("type", "+x", "subject", "proxy-[p2]",
                "message", "")).status()).isEqualTo(403);
        assertThat(proxy.post(url("/v1/clusters/" + CLUSTER + "/events"), Map.of("type", "+agent-note", "subject",
                "proxy-[p1]", "message", "mine")).status()).isEqualTo(201);
        assertThat(Http.withToken(PROXY).get(url("/v1/clusters/" + CLUSTER + "/policy")).status()).isEqualTo(403);
        assertThat(version()).isEqualTo(before);

        // the agent holding that token serves: lease, watch and events all pass with the proxy role
        await("agent p1 serving").atMost(Duration.ofSeconds(60)).until(() -> StreamSupport.stream(Http.withToken(VIEWER)
                .get(url("/v1/clusters/" + CLUSTER + "/proxies")).expect(200).json().spliterator(), false)
                .anyMatch(p -> p.at("/proxy/id").asText().equals("p1") && p.path("standing").asText().equals("SERVING")));
    }

    @Test
    void everyChangeAndEveryRefusalIsInTheAuditLogOfEveryPeer() {
        Http.withToken(OPERATOR).put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("downAfterMillis", 1200)).expect(200);
        Http.withToken("stolen-token").delete(url("/v1/clusters/" + CLUSTER)).expect(401);
        Http.withToken(VIEWER).post(url("/v1/clusters/" + CLUSTER + "/groups/g1/switchover"), Map.of()).expect(403);
        Http.withToken(OPERATOR).put(url("/v1/clusters/" + CLUSTER + "/policy"), Map.of("downAfterMillis", -5)).expect(422);

        for (ServiceProcess peer : service.peers()) {
            await("audit on " + peer.peerId()).atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode lines = Http.withToken(OPERATOR).get(peer.baseUrl() + "/v1/audit?limit=1000").expect(200).json();
                assertThat(find(lines, "otto", "PUT", "ok")).anySatisfy(l -> {
                    assertThat(l.path("body").asText()).contains("\"downAfterMillis\":1200");
                    assertThat(l.path("status").asInt()).isEqualTo(200);
                    assertThat(l.path("role").asText()).isEqualTo("operator");
                    assertThat(l.path("from").asText()).startsWith("127.0.0.1:");
                    assertThat(l.path("peer").asText()).matches("p[123]");
                    assertThat(l.path("atMillis").asLong()).isPositive();
                });
                assertThat(find(lines, null, "DELETE", "refused")).anySatisfy(l -> {
                    assertThat(l.path("who").asText()).startsWith("unknown-token:").doesNotContain("stolen");
                    assertThat(l.path("status").asInt()).isEqualTo(401);
                });
                assertThat(find(lines, "vera", "POST", "refused")).anySatisfy(l -> {
                    assertThat(l.path("path").asText()).isEqualTo("/v1/clusters/" + CLUSTER + "/groups/g1/switchover");
                    assertThat(l.path("message").asText()).contains("operator");
                });
                assertThat(find(lines, "otto", "PUT", "rejected")).anySatisfy(l -> assertThat(l.path("status").asInt()).isEqualTo(422));
                assertThat(find(lines, "ada", "POST", "ok")).anySatisfy(l -> assertThat(l.path("path").asText()).isEqualTo("/v1/clusters"));
                // the agent's renewals are heartbeats, not audited; its refused attempts are
                assertThat(find(lines, "agent-p1", "POST", "ok")).isEmpty();
            });
        }
        // refusals repeated within a minute are one line (a console with a stale token must not flood the log)
        for (int i = 0; i < 5; i++) {
            Http.withToken(VIEWER).delete(url("/v1/clusters/" + CLUSTER + "/proxies/p2")).expect(403);
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(find(Http.withToken(OPERATOR)
                .get(url("/v1/audit?limit=1000&who=vera")).expect(200).json(), "vera", "DELETE", "refused")).hasSize(1));
        JsonNode refused = Http.withToken(ADMIN).get(url("/v1/audit?outcome=refused&limit=2")).expect(200).json();
        assertThat(refused.size()).isEqualTo(2);
        refused.forEach(l -> assertThat(l.path("outcome").asText()).isEqualTo("refused"));
        assertThat(Http.withToken(ADMIN).get(url("/v1/audit?outcome=maybe")).status()).isEqualTo(400);
        assertThat(Http.withToken(ADMIN).get(url("/v1/audit?limit=0")).status()).isEqualTo(400);
    }

    @Test
    void aPeerWithUnusableUsersRefusesToStartAndSaysWhy() throws Exception {
        ServiceProcess bad = ServiceProcess.builder("p1").dir(tmp.resolve("bad")).temporalTarget("127.0.0.1:" + LoopbackPorts.next())
                .authYaml("  users:\n    - {name: eve, role: root, tokenSha256: \"" + sha256("x") + "\"}\n").start();
        try {
            await("bad peer exits").atMost(Duration.ofSeconds(60)).until(() -> !bad.isRunning());
            String log = ChildProcesses.tail(tmp.resolve("bad").resolve("p1.log"), 80);
            assertThat(log).contains("auth.users[0].role").contains("must be one of viewer, operator, admin, proxy");
        } finally {
            bad.close();
        }
    }

    static List<JsonNode> find(JsonNode lines, String who, String method, String outcome) {
        List<JsonNode> out = new ArrayList<>();
        lines.forEach(l -> {
            if ((who == null || who.equals(l.path("who").asText())) && method.equals(l.path("method").asText())
                    && outcome.equals(l.path("outcome").asText())) {
                out.add(l);
            }
        });
        return out;
    }
}
