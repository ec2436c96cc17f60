package io.cfgserver.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cfgserver.service.config.CfgServerConfiguration;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The REST API against a real (single-peer) Ratis registry, with Temporal pointed at a port where
 * nothing listens: every bad request gets a 4xx JSON error that says what to fix and changes
 * nothing; the registry works while Temporal is down and jobs are refused with a clear 503.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
@Timeout(120)
class ApiIT {
    static final String TOKEN = "test-token";
    static final ObjectMapper JSON = new ObjectMapper();
    static final DropwizardAppExtension<CfgServerConfiguration> APP =
            new DropwizardAppExtension<>(CfgServerApplication.class, writeConfig());
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Answer(int status, JsonNode body) {
    }

    /** The test code's one port allocator (20000-32000, below the ephemeral range). */
    static int freePort() {
        return io.cfgserver.testing.FreePorts.next();
    }

    static String writeConfig() {
        try {
            Path dir = Files.createTempDirectory("cfgserver-api-it");
            Path yml = dir.resolve("peer.yml");
            Files.writeString(yml, """
                    server:
                      applicationConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]
                      adminConnectors: [{type: http, bindHost: 127.0.0.1, port: 0}]
                    registry:
                      peerId: p1
                      dataDir: %s
                      electionTimeoutMin: 300ms
                      electionTimeoutMax: 600ms
                      peers:
                        - {id: p1, address: "127.0.0.1:%d"}
                    temporal:
                      target: "127.0.0.1:%d"
                    auth:
                      token: %s
                    logging:
                      level: WARN
                    """.formatted(dir.resolve("data"), freePort(), freePort(), TOKEN));
            return yml.toString();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static Answer call(String method, String path, String body) throws Exception {
        return call(method, path, body, TOKEN);
    }

    static Answer call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort() + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode node = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
        return new Answer(r.statusCode(), node);
    }

    static final String DEMO = """
            {"name":"demo","groups":[
              {"id":"g1","master":"127.0.0.1:7001","replicas":["127.0.0.1:7002"]},
              {"id":"g2","master":"127.0.0.1:7011","replicas":["127.0.0.1:7012"]}],
             "proxies":[{"id":"p1","listen":"127.0.0.1:22121"}]}""";

    @BeforeAll
    static void createDemo() throws Exception {
        Answer created = call("POST", "/v1/clusters", DEMO);
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    }

    /** The whole registry as the API shows it, to check that a refused request changed nothing. */
    static String snapshot() throws Exception {
        return call("GET", "/v1/clusters/demo", null).body().toString() + call("GET", "/v1/clusters", null).body()
                + call("GET", "/v1/clusters/demo/jobs", null).body();
    }

    /** Sends a bad request: expects the status, a JSON error whose message contains the hint, no change. */
    static void refused(String method, String path, String body, int status, String hint) throws Exception {
        String before = snapshot();
        Answer a = call(method, path, body);
        assertThat(a.status()).as("%s %s %s -> %s", method, path, body, a.body()).isEqualTo(status);
        assertThat(a.body().path("message").asText()).as(a.body().toString()).containsIgnoringCase(hint);
        assertThat(a.body().path("status").asInt()).isEqualTo(status);
        assertThat(snapshot()).as("state after refused %s %s", method, path).isEqualTo(before);
    }

    @Test
    void createsAndShowsACluster() throws Exception {
        Answer c = call("GET", "/v1/clusters/demo", null);
        assertThat(c.status()).isEqualTo(200);
        assertThat(c.body().at("/cluster/version").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(c.body().at("/cluster/slots/0/from").asInt()).isZero();
        assertThat(c.body().at("/cluster/slots/0/to").asInt()).isEqualTo(511);
        assertThat(c.body().at("/cluster/slots/1/group").asText()).isEqualTo("g2");
        assertThat(c.body().at("/slotsPerGroup/g1").asInt()).isEqualTo(512);
        assertThat(c.body().at("/cluster/policy/autoFailover").asBoolean()).isTrue();
        assertThat(call("GET", "/v1/clusters", null).body().toString()).contains("\"name\":\"demo\"");
        assertThat(call("GET", "/v1/clusters/demo?consistency=local", null).status()).isEqualTo(200);
    }

    @Test
    void refusesBadClusters() throws Exception {
        refused("GET", "/v1/clusters/nope", null, 404, "does not exist");
        refused("GET", "/v1/clusters/nope/topology?afterVersion=0&waitMs=20000", null, 404, "does not exist");
        refused("GET", "/v1/clusters/demo/topology?waitMs=999999", null, 400, "waitMs");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":[{\"id\":\"a\",\"master\":\"127.0.0.1:8001\"},"
                + "{\"id\":\"b\",\"master\":\"127.0.0.1:8001\"}]}", 409, "already used");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":[{\"id\":\"a\",\"master\":\"127.0.0.1:7001\"}]}",
                409, "already used");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":[{\"id\":\"a\",\"replicas\":[\"127.0.0.1:8002\"]}]}",
                422, "master");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":[{\"id\":\"a\",\"master\":\"127.0.0.1:99999\"}]}",
                422, "port must be between 1 and 65535");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":[{\"id\":\"a\",\"master\":\"localhost\"}]}",
                422, "host:port");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":[]}", 422, "at least one group");
        refused("POST", "/v1/clusters", "{\"name\":\"Bad Name\",\"groups\":[{\"id\":\"a\",\"master\":\"127.0.0.1:8001\"}]}",
                422, "cluster name");
        refused("POST", "/v1/clusters", DEMO, 409, "exists already");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":\"g1\"}", 400, "groups");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":[{\"id\":\"a\",\"master\":7001}]}", 422, "not host:port");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":[{\"id\":\"a\",\"master\":{}}]}", 400, "master");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groupz\":[]}", 400, "unknown field 'groupz'");
        refused("POST", "/v1/clusters", "{\"name\":", 400, "not valid JSON");
        refused("POST", "/v1/clusters", null, 400, "body is missing");
        refused("POST", "/v1/clusters", "{\"name\":\"c2\",\"groups\":[{\"id\":\"a\",\"master\":\"127.0.0.1:8001\"}],"
                + "\"proxies\":[{\"id\":\"p\",\"listen\":\"127.0.0.1:0\"}]}", 422, "port");
        refused("DELETE", "/v1/clusters/nope", null, 404, "does not exist");
    }

    /**
     * Sends a large body over a raw socket (a client that stops on the early answer cannot be
     * written with java.net.http) and returns the status line and body of the answer.
     */
    static String rawPost(boolean chunked, int bodyBytes) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", APP.getLocalPort())) {
            s.setSoTimeout(20_000);
            var out = s.getOutputStream();
            String head = "POST /v1/clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nConnection: close\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bodyBytes + "\r\n") + "\r\n";
            out.write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Thread writer = new Thread(() -> {
                try {
                    byte[] chunk = "x".repeat(64 * 1024).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    for (int sent = 0; sent < bodyBytes; sent += chunk.length) {
                        if (sent == 0) {
                            // the first chunk opens a string value, so the JSON stays valid up to the limit
                            System.arraycopy("{\"name\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, chunk, 0, 9);
                        } else {
                            chunk = "x".repeat(64 * 1024).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                        }
                        if (chunked) {
                            out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        }
                        out.write(chunk);
                        if (chunked) {
                            out.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        }
                    }
                    out.flush();
                } catch (IOException e) {
                    // the server answered and closed: expected
                }
            });
            writer.setDaemon(true);
            writer.start();
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void refusesOversizedBodies() throws Exception {
        String before = snapshot();
        String declared = rawPost(false, 4 * 1024 * 1024);
        assertThat(declared).startsWith("HTTP/1.1 413").contains("larger than");
        String streamed = rawPost(true, 4 * 1024 * 1024);
        assertThat(streamed).startsWith("HTTP/1.1 413").contains("larger than");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void refusesChangesWithoutTheToken() throws Exception {
        String before = snapshot();
        Answer none = call("DELETE", "/v1/clusters/demo", null, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.body().path("message").asText()).contains("Authorization: Bearer");
        Answer wrong = call("DELETE", "/v1/clusters/demo", null, "guess");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(snapshot()).isEqualTo(before);
        assertThat(call("GET", "/v1/clusters/demo", null, null).status()).isEqualTo(200);
    }

    @Test
    void addsAndRemovesGroupsReplicasAndProxies() throws Exception {
        assertThat(call("POST", "/v1/clusters/demo/groups",
                "{\"id\":\"g3\",\"master\":\"127.0.0.1:7021\",\"replicas\":[]}").status()).isEqualTo(201);
        refused("POST", "/v1/clusters/demo/groups", "{\"id\":\"g3\",\"master\":\"127.0.0.1:7031\"}", 409, "exists already");
        refused("POST", "/v1/clusters/demo/groups", "{\"id\":\"g4\"}", 422, "master");
        refused("POST", "/v1/clusters/nope/groups", "{\"id\":\"g4\",\"master\":\"127.0.0.1:7031\"}", 404, "does not exist");
        assertThat(call("POST", "/v1/clusters/demo/groups/g3/replicas", "{\"address\":\"127.0.0.1:7022\"}").status())
                .isEqualTo(201);
        refused("POST", "/v1/clusters/demo/groups/g3/replicas", "{\"address\":\"127.0.0.1:7002\"}", 409, "already registered");
        refused("POST", "/v1/clusters/demo/groups/g3/replicas", "{\"address\":\"127.0.0.1:x\"}", 422, "port");
        refused("POST", "/v1/clusters/demo/groups/g3/replicas", "{\"address\":\"127.0.0.1:7023\",\"priority\":-1}", 422, "priority");
        refused("POST", "/v1/clusters/demo/groups/g9/replicas", "{\"address\":\"127.0.0.1:7023\"}", 404, "group-[g9]");
        refused("DELETE", "/v1/clusters/demo/groups/g3/replicas/127.0.0.1:7021", null, 409, "is the master");
        refused("DELETE", "/v1/clusters/demo/groups/g3/replicas/127.0.0.1:7099", null, 404, "not a replica");
        assertThat(call("DELETE", "/v1/clusters/demo/groups/g3/replicas/127.0.0.1:7022", null).status()).isEqualTo(204);
        refused("DELETE", "/v1/clusters/demo/groups/g1", null, 409, "still owns");
        refused("DELETE", "/v1/clusters/demo/groups/g9", null, 404, "not in");
        assertThat(call("DELETE", "/v1/clusters/demo/groups/g3", null).status()).isEqualTo(204);

        assertThat(call("POST", "/v1/clusters/demo/proxies", "{\"id\":\"p2\",\"listen\":\"127.0.0.1:22122\"}").status())
                .isEqualTo(201);
        refused("POST", "/v1/clusters/demo/proxies", "{\"id\":\"p3\",\"listen\":\"127.0.0.1:22122\"}", 409, "already in use");
        refused("POST", "/v1/clusters/demo/proxies", "{\"id\":\"p3\"}", 422, "listen");
        refused("DELETE", "/v1/clusters/demo/proxies/p9", null, 404, "not in");
        assertThat(call("DELETE", "/v1/clusters/demo/proxies/p2", null).status()).isEqualTo(204);
    }

    @Test
    void assignsSlotsOnlyWhenForcedAndComplete() throws Exception {
        refused("PUT", "/v1/clusters/demo/slots", "{\"ranges\":[{\"from\":0,\"to\":1023,\"group\":\"g1\"}]}", 409, "force");
        refused("PUT", "/v1/clusters/demo/slots", "{\"ranges\":[{\"from\":0,\"to\":600,\"group\":\"g1\"},"
                + "{\"from\":500,\"to\":1023,\"group\":\"g2\"}],\"force\":true}", 422, "overlap");
        refused("PUT", "/v1/clusters/demo/slots", "{\"ranges\":[{\"from\":0,\"to\":600,\"group\":\"g1\"}],\"force\":true}",
                422, "incomplete");
        refused("PUT", "/v1/clusters/demo/slots", "{\"ranges\":[{\"from\":0,\"to\":1023,\"group\":\"g7\"}],\"force\":true}",
                404, "group-[g7]");
        refused("PUT", "/v1/clusters/demo/slots", "{\"ranges\":[{\"from\":\"zero\",\"to\":1023,\"group\":\"g1\"}],\"force\":true}",
                400, "from");
        refused("PUT", "/v1/clusters/demo/slots", "{\"ranges\":[{\"to\":1023,\"group\":\"g1\"}],\"force\":true}",
                422, "needs from, to and group");
        long v = call("GET", "/v1/clusters/demo", null).body().at("/cluster/version").asLong();
        Answer ok = call("PUT", "/v1/clusters/demo/slots", "{\"ranges\":[{\"from\":0,\"to\":99,\"group\":\"g2\"},"
                + "{\"from\":100,\"to\":511,\"group\":\"g1\"},{\"from\":512,\"to\":1023,\"group\":\"g2\"}],\"force\":true}");
        assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
        Answer after = call("GET", "/v1/clusters/demo?minVersion=" + (v + 1) + "&waitMs=5000", null);
        assertThat(after.body().at("/slotsPerGroup/g2").asInt()).isEqualTo(612);
        // put the map back for the other tests
        assertThat(call("PUT", "/v1/clusters/demo/slots", "{\"ranges\":[{\"from\":0,\"to\":511,\"group\":\"g1\"},"
                + "{\"from\":512,\"to\":1023,\"group\":\"g2\"}],\"force\":true}").status()).isEqualTo(200);
    }

    @Test
    void updatesPolicyFieldsAndRefusesBadValues() throws Exception {
        Answer ok = call("PUT", "/v1/clusters/demo/policy", "{\"downAfterMillis\":2500}");
        assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
        assertThat(call("GET", "/v1/clusters/demo/policy", null).body().path("downAfterMillis").asLong()).isEqualTo(2500);
        refused("PUT", "/v1/clusters/demo/policy", "{\"downAfterMillis\":5}", 422, "downAfterMillis must be between");
        refused("PUT", "/v1/clusters/demo/policy", "{\"autoFailover\":\"no\"}", 400, "true or false");
        refused("PUT", "/v1/clusters/demo/policy", "{\"downAfter\":1000}", 400, "unknown policy field");
        refused("PUT", "/v1/clusters/demo/policy", "{\"proxyFencing\":\"sometimes\"}", 400,
                "proxyFencing must be one of per-group, strict, off");
        refused("PUT", "/v1/clusters/demo/policy", "{\"proxyFencing\":1}", 400, "proxyFencing must be one of");
        assertThat(call("GET", "/v1/clusters/demo/policy", null).body().path("proxyFencing").asText()).isEqualTo("per-group");
        assertThat(call("PUT", "/v1/clusters/demo/policy", "{\"proxyFencing\":\"strict\"}").status()).isEqualTo(200);
        assertThat(call("GET", "/v1/clusters/demo/policy", null).body().path("proxyFencing").asText()).isEqualTo("strict");
        refused("PUT", "/v1/clusters/demo/policy", "[1]", 400, "JSON object");
        refused("PUT", "/v1/clusters/nope/policy", "{\"autoFailover\":false}", 404, "does not exist");
    }

    @Test
    void refusesJobsClearlyWhileTemporalIsDown() throws Exception {
        refused("POST", "/v1/clusters/demo/jobs", "{\"type\":\"teleport\",\"params\":{}}", 422, "unknown job type");
        refused("POST", "/v1/clusters/demo/jobs", "{\"type\":\"add-replica\",\"params\":{\"address\":\"127.0.0.1:7003\"}}",
                422, "params.group");
        refused("POST", "/v1/clusters/demo/jobs", "{\"type\":\"add-replica\",\"params\":{\"group\":\"g1\",\"address\":\"127.0.0.1:7002\"}}",
                409, "already registered");
        refused("POST", "/v1/clusters/nope/jobs", "{\"type\":\"add-replica\",\"params\":{}}", 404, "does not exist");
        refused("POST", "/v1/clusters/demo/jobs", "{\"type\":\"add-replica\",\"params\":{\"group\":\"g1\",\"address\":\"127.0.0.1:7003\"}}",
                503, "Temporal");
        refused("GET", "/v1/jobs/nope", null, 404, "does not exist");
        refused("POST", "/v1/jobs/nope/cancel", null, 404, "does not exist");
    }

    @Test
    void showsTheRegistryAndHealth() throws Exception {
        Answer r = call("GET", "/v1/registry", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("peerId").asText()).isEqualTo("p1");
        assertThat(r.body().path("leaderId").asText()).isEqualTo("p1");
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + APP.getAdminPort() + "/healthcheck")).build(),
                HttpResponse.BodyHandlers.ofString());
        // without Temporal the peer runs as designed (jobs refused): healthy, and the reason visible
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        JsonNode h = JSON.readTree(health.body());
        assertThat(h.at("/registry/healthy").asBoolean()).isTrue();
        assertThat(h.at("/temporal/healthy").asBoolean()).isTrue();
        assertThat(h.at("/temporal/temporalReachable").asBoolean(true)).isFalse();
        assertThat(h.at("/temporal/message").asText()).startsWith("DEGRADED").contains("not reachable");
        refused("POST", "/v1/registry/peers", "{\"id\":\"p1\",\"address\":\"127.0.0.1:1\"}", 409, "already a member");
        refused("POST", "/v1/registry/peers", "{\"id\":\"p9\",\"address\":\"nowhere\"}", 422, "host:port");
        refused("DELETE", "/v1/registry/peers/p9", null, 404, "not a member");
        refused("GET", "/v1/nothing-here", null, 404, "no such resource");
    }

    @Test
    void servesPrometheusMetrics() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + APP.getAdminPort() + "/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        String text = r.body();
        // every line is a comment or "name{labels} value": the exposition format a scraper parses
        java.util.regex.Pattern sample = java.util.regex.Pattern.compile(
                "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? "
                        + "(-?[0-9.eE+-]+|NaN|[+-]Inf)( [0-9]+)?");
        for (String line : text.split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                assertThat(line).as("an exposition line").matches(sample);
            }
        }
        assertThat(text).contains("cfgserver_registry_leader{peer=\"p1\"} 1")
                .contains("cfgserver_temporal_reachable{peer=\"p1\"} 0")
                .contains("cfgserver_cluster_groups{cluster=\"demo\"}")
                .contains("cfgserver_registry_write_seconds_count{command=\"CreateCluster\",outcome=\"ok\"}")
                .contains("# TYPE cfgserver_registry_write_seconds histogram")
                .contains("cfgserver_proxy_versions_behind{cluster=\"demo\"")
                .contains("jvm_memory_used_bytes")
                .contains("process_cpu_usage");
        // a write the state machine refuses is counted as refused
        assertThat(call("POST", "/v1/clusters", DEMO).status()).isEqualTo(409);
        String after = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getAdminPort()
                + "/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(after).contains("cfgserver_registry_write_seconds_count{command=\"CreateCluster\",outcome=\"rejected\"}");
    }

    /** Found by schemathesis: Jetty refused these with an HTML page (GET) or an empty body (DELETE). */
    @Test
    void answersAPathJettyRefusesAsJsonToo() throws Exception {
        for (String method : java.util.List.of("GET", "DELETE")) {
            Answer a = call(method, "/v1/clusters/a%01b", null);
            assertThat(a.status()).as(method).isEqualTo(400);
            assertThat(a.body().path("error").asText()).as(method).isEqualTo("bad-uri");
            assertThat(a.body().path("message").asText()).contains("control characters");
        }
    }

    @Test
    void servesTheOpenApiDocumentOfEveryResource() throws Exception {
        Answer a = call("GET", "/v1/openapi.json", null, null);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body().path("openapi").asText()).startsWith("3.");
        assertThat(a.body().path("paths").has("/v1/clusters/{name}/groups/{id}/switchover")).isTrue();
        assertThat(a.body().path("paths").has("/v1/registry/peers/{id}")).isTrue();
    }
}
