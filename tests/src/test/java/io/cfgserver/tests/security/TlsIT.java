package io.cfgserver.tests.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.service.cli.CfgCli;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TlsCertificates;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real cfgserver peers with TLS everywhere it is offered: https on the REST and admin ports,
 * mutual TLS between the peers' Raft transports, certificates from {@code deploy/tls/make-certs.sh}.
 * The API and the real CLI work over https with the CA; plain http gets nothing; a peer whose
 * certificate another CA signed cannot join. No Temporal: the peers run degraded, as designed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TlsIT {
    @TempDir
    static Path tmp;
    static Path certs;
    static ServiceCluster service;
    static Http http;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static String servers;
    static AgentProcess agent;

    @BeforeAll
    static void start() {
        certs = TlsCertificates.make(tmp.resolve("certs"), "p1", "p2", "p3");
        String noTemporal = "127.0.0.1:" + LoopbackPorts.next();
        service = ServiceCluster.builder().dir(tmp.resolve("service")).temporalTarget(noTemporal)
                .eachPeer(peer -> peer.tls(certs)).start();
        http = service.http();
        servers = service.peers().stream().map(ServiceProcess::baseUrl).collect(Collectors.joining(","));
        for (int i = 0; i < 2; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis")));
        }
        String cluster = """
                {"name":"tls","groups":[{"id":"g1","master":"%s","replicas":[]},{"id":"g2","master":"%s","replicas":[]}],
                 "proxies":[{"id":"px","listen":"127.0.0.1:%d"}]}""".formatted(REDIS.get(0).address(),
                REDIS.get(1).address(), LoopbackPorts.next());
        http.post(service.leader().baseUrl() + "/v1/clusters", cluster).expect(201);
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

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CfgCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void servesTheApiAndTheCliOverHttpsToClientsThatTrustTheCa() throws Exception {
        assertThat(servers).startsWith("https://");
        // written through the leader (in start()), read on every peer over https
        for (ServiceProcess peer : service.peers()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> peer.http().get(peer.baseUrl() + "/v1/clusters/tls")
                    .status() == 200);
            assertThat(peer.http().get(peer.adminUrl() + "/healthcheck").json().path("registry").path("healthy")
                    .asBoolean()).as(peer.peerId()).isTrue();
        }

        Result show = cli("--server", servers, "--cacert", certs.resolve("ca.pem").toString(), "slots", "show", "tls");
        assertThat(show.code).as(show.toString()).isZero();
        assertThat(show.out).containsPattern("0-511\\s+g1").containsPattern("512-1023\\s+g2");
        Result policy = cli("--server", servers, "--cacert", certs.resolve("ca.pem").toString(), "--token",
                service.token(), "policy", "set", "tls", "maxFailoversPerWindow=4");
        assertThat(policy.code).as(policy.toString()).isZero();
        assertThat(http.get(service.any().baseUrl() + "/v1/clusters/tls/policy").expect(200).json()
                .path("maxFailoversPerWindow").asInt()).isEqualTo(4);

        // without the CA the CLI trusts no peer, and says what to give it
        Result untrusted = cli("--server", servers, "cluster", "list");
        assertThat(untrusted.code).as(untrusted.toString()).isEqualTo(CfgCli.UNREACHABLE);
        assertThat(untrusted.err).contains("--cacert");

        // the launcher as an operator runs it: servers, token and CA from the environment
        Path launcher = Path.of("..", "deploy", "cfgserver").toAbsolutePath().normalize();
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "policy", "show", "tls", "--json")
                .redirectErrorStream(true);
        pb.environment().put("CFGSERVER_SERVERS", servers);
        pb.environment().put("CFGSERVER_TOKEN", service.token());
        pb.environment().put("CFGSERVER_CACERT", certs.resolve("ca.pem").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(Http.mapper().readTree(out).path("maxFailoversPerWindow").asInt()).isEqualTo(4);
    }

    @Test
    void aProxyAgentFollowsTheRegistryOverHttpsWithItsCaFile() {
        List<String> urls = service.peers().stream().map(ServiceProcess::baseUrl).toList();
        agent = new AgentProcess(tmp.resolve("agent-px"), "tls", "px", urls, service.token(), 3000)
                .trusting(certs.resolve("ca.pem")).start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            long version = http.get(service.any().baseUrl() + "/v1/clusters/tls").expect(200).json()
                    .at("/cluster/version").asLong();
            JsonNode proxies = http.get(service.any().baseUrl() + "/v1/clusters/tls/proxies").expect(200).json();
            assertThat(proxies).as("%s\n%s", proxies, agent.logTail()).hasSize(1);
            assertThat(proxies.get(0).at("/proxy/servedVersion").asLong()).as("%s\n%s", proxies, agent.logTail())
                    .isPositive().isEqualTo(version);
        });
        assertThat(agent.nutcracker()).isPresent();
    }

    @Test
    void answersNothingOverPlainHttp() {
        for (ServiceProcess peer : service.peers()) {
            for (int port : List.of(peer.restPort(), peer.adminPort())) {
                String url = "http://127.0.0.1:" + port + (port == peer.restPort() ? "/v1/registry" : "/healthcheck");
                Optional<Http.Response> answer;
                try {
                    answer = Optional.of(Http.anonymous().get(url));
                } catch (UncheckedIOException refused) {
                    answer = Optional.empty();
                }
                assertThat(answer.filter(Http.Response::isSuccess)).as("GET " + url + " -> " + answer).isEmpty();
            }
        }
    }

    @Test
    void aPeerWithACertificateOfAnotherCaCannotJoin() {
        Path intruderCerts = TlsCertificates.make(tmp.resolve("intruder-certs"), "p4");
        List<ServiceProcess.Peer> members = new ArrayList<>(service.peers().get(0).peers());
        ServiceProcess.Peer p4 = ServiceProcess.Peer.onLoopback("p4", LoopbackPorts.next());
        members.add(p4);
        try (ServiceProcess intruder = ServiceProcess.builder("p4").peers(members).dir(tmp.resolve("intruder"))
                .temporalTarget("127.0.0.1:" + LoopbackPorts.next()).token(service.token()).tls(intruderCerts).start()) {
            intruder.waitReady(ServiceCluster.READY_TIMEOUT);
            Result join = cli("--server", servers, "--cacert", certs.resolve("ca.pem").toString(), "--token",
                    service.token(), "--timeout", "60", "registry", "add-peer", "p4", p4.address());
            assertThat(join.code).as(join.toString()).isNotZero();

            JsonNode registry = http.get(service.leader().baseUrl() + "/v1/registry").expect(200).json();
            assertThat(StreamSupport.stream(registry.path("peers").spliterator(), false).map(n -> n.path("id").asText()))
                    .containsExactlyInAnyOrder("p1", "p2", "p3");
            JsonNode seen = intruder.registryInfo().orElseThrow();
            assertThat(seen.path("leaderId").isNull() || seen.path("leaderId").isMissingNode()).as(seen.toString()).isTrue();
        }
        // and the group still commits writes
        http.put(service.leader().baseUrl() + "/v1/clusters/tls/policy", "{\"maxFailoversPerWindow\":5}").expect(200);
    }
}
