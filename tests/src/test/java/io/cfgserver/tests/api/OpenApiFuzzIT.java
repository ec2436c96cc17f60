package io.cfgserver.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TemporalDevServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API against its own OpenAPI document: {@code tests/fuzz/schemathesis.sh} fuzzes one peer of a
 * real 3-peer cfgserver (with a Temporal dev server, so that job requests reach the job code, and a
 * cluster of real redis-servers that half of the requests name) for a bounded time. Any 5xx, any
 * status the document does not list, any error that is not JSON fails the test with schemathesis'
 * report.
 */
@Timeout(480)
class OpenApiFuzzIT {
    /** schemathesis' own budget; the test allows it a minute more to start and report. */
    static final int FUZZ_SECONDS = 120;

    @TempDir
    static Path tmp;
    static TemporalDevServer temporal;
    static ServiceCluster service;
    static Http http;
    static final List<RedisProcess> REDIS = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        temporal = TemporalDevServer.start(tmp.resolve("temporal"), false);
        service = ServiceCluster.builder().dir(tmp.resolve("service")).temporalTarget(temporal.target()).start();
        http = service.http();
        for (int i = 0; i < 2; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis")));
        }
        String cluster = """
                {"name":"fuzz","groups":[{"id":"g1","master":"%s","replicas":["%s"]}],
                 "proxies":[{"id":"p1","listen":"127.0.0.1:%d"}]}
                """.formatted(REDIS.get(0).address(), REDIS.get(1).address(), LoopbackPorts.next());
        http.post(service.any().baseUrl() + "/v1/clusters", Http.mapper().readTree(cluster)).expect(201);
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

    @Test
    void servesItsOpenApiDocumentToAnyone() {
        JsonNode doc = Http.anonymous().get(service.any().baseUrl() + "/v1/openapi.json").expect(200).json();
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        assertThat(doc.at("/paths/~1v1~1clusters/post/operationId").asText()).isEqualTo("clusters.create");
        assertThat(doc.path("paths").has("/v1/openapi.json")).isFalse();
    }

    @Test
    void answersEveryFuzzedRequestWithADocumentedStatusAndNoServerError() throws Exception {
        ServiceProcess peer = service.any();
        Path script = repoRoot().resolve("tests/fuzz/schemathesis.sh");
        Path reports = tmp.resolve("fuzz");
        Path output = tmp.resolve("schemathesis.out");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), peer.baseUrl(), service.token())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("FUZZ_MAX_TIME", String.valueOf(FUZZ_SECONDS));
        pb.environment().put("FUZZ_MAX_EXAMPLES", "10");
        pb.environment().put("FUZZ_CLUSTER", "fuzz");
        pb.environment().put("FUZZ_REPORT_DIR", reports.toString());
        long started = System.nanoTime();
        Process p = pb.start();
        try {
            if (!p.waitFor(FUZZ_SECONDS + 120, TimeUnit.SECONDS)) {
                throw new AssertionError("schemathesis did not end within " + (FUZZ_SECONDS + 120) + " s:\n" + read(output));
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String report = read(output);
        System.out.println("schemathesis ran " + (System.nanoTime() - started) / 1_000_000_000 + " s:\n" + report);
        assertThat(p.exitValue()).as("schemathesis' exit code; its report:\n" + report).isZero();
        // the peer it fuzzed still answers, and the registry kept its three members
        await().atMost(Duration.ofSeconds(30)).until(() -> http.tryGet(peer.baseUrl() + "/v1/registry")
                .filter(r -> r.status() == 200).map(r -> r.json().path("peers").size() == 3).orElse(false));
    }

    static String read(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no output)";
    }

    /** The tests run with the tests module as working directory; the repository is its parent. */
    static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("tests/fuzz/schemathesis.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("tests/fuzz/schemathesis.sh not found above " + Path.of("").toAbsolutePath());
    }
}
