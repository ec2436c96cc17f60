package io.cfgserver.tests.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.service.cli.CfgCli;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TemporalDevServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The real CLI ({@code CfgCli}, and once the {@code deploy/cfgserver} launcher as a process) against
 * a real 3-peer cfgserver, a Temporal dev server and real redis-servers: tables and JSON, the exit
 * codes (0 ok, 1 refused with the API's words, 2 usage, 3 unreachable), the next server when one is
 * down, the token from a flag, a file or the environment, and the commands an operator runs.
 */
@Timeout(600)
class CliIT {
    @TempDir
    static Path tmp;
    static TemporalDevServer temporal;
    static ServiceCluster service;
    static Http http;
    static final List<RedisProcess> REDIS = new ArrayList<>();
    static String servers;

    @BeforeAll
    static void start() throws Exception {
        temporal = TemporalDevServer.start(tmp.resolve("temporal"), false);
        service = ServiceCluster.builder().dir(tmp.resolve("service")).temporalTarget(temporal.target()).start();
        http = service.http();
        for (ServiceProcess p : service.peers()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> http
                    .tryGet(p.adminUrl() + "/healthcheck").map(r -> r.json().at("/temporal/temporalReachable").asBoolean())
                    .orElse(false));
        }
        for (int i = 0; i < 4; i++) {
            REDIS.add(RedisProcess.start(tmp.resolve("redis")));
        }
        servers = service.peers().stream().map(ServiceProcess::baseUrl).collect(Collectors.joining(","));
        String cluster = """
                {"name":"cli","groups":[
                  {"id":"g1","master":"%s","replicas":["%s"]},
                  {"id":"g2","master":"%s","replicas":["%s"]}],"proxies":[]}
                """.formatted(REDIS.get(0).address(), REDIS.get(1).address(), REDIS.get(2).address(),
                REDIS.get(3).address());
        Path file = tmp.resolve("cluster.json");
        Files.writeString(file, cluster);
        Result created = cli("cluster", "create", "--file", file.toString());
        assertThat(created.code).as(created.toString()).isZero();
        assertThat(created.out).contains("created cluster cli");
        for (int i = 1; i < 4; i += 2) {
            RedisProcess r = REDIS.get(i);
            await().atMost(Duration.ofSeconds(30)).until(() -> info(r).contains("master_link_status:up"));
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

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    /** The CLI with the test's peers and token. */
    static Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--server", servers, "--token", service.token()));
        all.addAll(List.of(args));
        return raw(all.toArray(String[]::new));
    }

    static Result raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CfgCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    static String info(RedisProcess r) {
        try (Jedis j = new Jedis("127.0.0.1", r.port())) {
            return j.info("replication");
        }
    }

    static String state() {
        return http.get(service.any().baseUrl() + "/v1/clusters/cli").expect(200).body()
                + http.get(service.any().baseUrl() + "/v1/clusters/cli/jobs").expect(200).body();
    }

    @Test
    void showsClustersSlotsAndTheRegistryAsTablesOrJson() throws Exception {
        Result list = cli("cluster", "list");
        assertThat(list.code).as(list.toString()).isZero();
        assertThat(list.out).startsWith("NAME").containsPattern("cli\\s+\\d+\\s+2\\s+0");
        Result show = cli("cluster", "show", "cli");
        assertThat(show.out).contains("g1").contains(REDIS.get(0).address()).contains(REDIS.get(1).address());
        Result slots = cli("slots", "show", "cli");
        assertThat(slots.out).containsPattern("0-511\\s+g1").containsPattern("512-1023\\s+g2")
                .containsPattern("g1\\s+512");
        // --json is the API's answer, for scripts; options go before or after the command
        Result json = raw("--json", "--server", servers, "cluster", "show", "cli");
        assertThat(json.code).isZero();
        JsonNode parsed = Http.mapper().readTree(json.out);
        assertThat(parsed.at("/cluster/name").asText()).isEqualTo("cli");
        assertThat(parsed.at("/slotsPerGroup/g2").asInt()).isEqualTo(512);
        Result registry = cli("registry", "status");
        assertThat(registry.out).containsPattern("leader p[123], term \\d+").contains("p1").contains("p2").contains("p3");
    }

    @Test
    void showsTheAuditLog() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Result audit = cli("audit", "--limit", "1000");
            assertThat(audit.code).as(audit.toString()).isZero();
            assertThat(audit.out).contains("WHO").contains("POST /v1/clusters").contains("token");
        });
        Result json = cli("--json", "audit", "--outcome", "ok", "--limit", "5");
        assertThat(json.code).as(json.toString()).isZero();
        assertThat(json.out.trim()).startsWith("[");
        Result bad = cli("audit", "--outcome", "maybe");
        assertThat(bad.code).as(bad.toString()).isEqualTo(1);
        assertThat(bad.err).contains("outcome must be one of");
    }

    @Test
    void exitCodesSayWhatWentWrongAndRefusalsChangeNothing() throws Exception {
        String before = state();
        // 1: refused, the API's message printed as is
        Result missing = cli("cluster", "show", "nope");
        assertThat(missing.code).isEqualTo(CfgCli.REFUSED);
        assertThat(missing.err).contains("404").contains("cluster-[nope] does not exist");
        Result bad = cli("policy", "set", "cli", "downAfterMillis=5");
        assertThat(bad.code).isEqualTo(CfgCli.REFUSED);
        assertThat(bad.err).contains("422").contains("downAfterMillis must be between 100 and 600000, got 5");
        Result refusedConfig = cli("config", "set", "cli", "redis.maxmemory-policy=nonsense");
        assertThat(refusedConfig.code).isEqualTo(CfgCli.REFUSED);
        assertThat(refusedConfig.err).contains("is refused by Redis").contains("nothing was stored");
        // without a token a change is refused (401), with the token from a file it is not
        Result anonymous = raw("--server", servers, "policy", "set", "cli", "autoBan=true");
        assertThat(anonymous.code).isEqualTo(CfgCli.REFUSED);
        assertThat(anonymous.err).contains("401");
        assertThat(state()).isEqualTo(before);
        // 2: usage
        assertThat(raw("teleport").code).isEqualTo(CfgCli.USAGE);
        assertThat(raw("cluster").code).isEqualTo(CfgCli.USAGE);
        Result noArg = raw("cluster", "show");
        assertThat(noArg.code).isEqualTo(CfgCli.USAGE);
        assertThat(noArg.err).contains("Missing required parameter");
        Result pair = cli("policy", "set", "cli", "autoBan");
        assertThat(pair.code).isEqualTo(CfgCli.USAGE);
        assertThat(pair.err).contains("key=value");
        assertThat(cli("config", "set", "cli", "maxmemory=1mb").err).contains("starts with redis.");
        assertThat(raw("--timeout", "0", "--server", servers, "cluster", "list").code).isEqualTo(CfgCli.USAGE);
        // 3: nothing answers
        int dead = LoopbackPorts.next();
        Result unreachable = raw("--server", "http://127.0.0.1:" + dead, "cluster", "list");
        assertThat(unreachable.code).isEqualTo(CfgCli.UNREACHABLE);
        assertThat(unreachable.err).contains("no cfgserver answered").contains("127.0.0.1:" + dead);
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void asksTheNextServerWhenOneIsDownAndTakesTheTokenFromAFileOrTheEnvironment() throws Exception {
        int dead = LoopbackPorts.next();
        Path tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, service.token() + "\n");
        Result r = raw("--server", "http://127.0.0.1:" + dead + "," + servers, "--token-file", tokenFile.toString(),
                "policy", "set", "cli", "maxFailoversPerWindow=4");
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.out).containsPattern("maxFailoversPerWindow\\s+4");
        assertThat(http.get(service.any().baseUrl() + "/v1/clusters/cli/policy").expect(200).json()
                .path("maxFailoversPerWindow").asInt()).isEqualTo(4);
        // the launcher script, as an operator runs it: servers and token from the environment
        Path launcher = Path.of("..", "deploy", "cfgserver").toAbsolutePath().normalize();
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "policy", "show", "cli", "--json")
                .redirectErrorStream(true);
        pb.environment().put("CFGSERVER_SERVERS", servers);
        pb.environment().put("CFGSERVER_TOKEN", service.token());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(Http.mapper().readTree(out).path("maxFailoversPerWindow").asInt()).isEqualTo(4);
    }

    @Test
    void rollsOutAConfigSwitchesOverAndShowsTheEvents() throws Exception {
        Result set = cli("config", "set", "cli", "redis.maxmemory-policy=allkeys-lru", "groups.g1.hz=20");
        assertThat(set.code).as(set.toString()).isZero();
        assertThat(cli("config", "show", "cli").out).containsPattern("redis\\s+maxmemory-policy\\s+allkeys-lru")
                .containsPattern("group g1\\s+hz\\s+20").contains("pending");
        Result rollout = cli("config", "rollout", "cli", "--watch");
        assertThat(rollout.code).as(rollout.toString()).isZero();
        assertThat(rollout.out).contains("started config-rollout-").contains("100%").contains("SUCCEEDED");
        try (Jedis j = new Jedis("127.0.0.1", REDIS.get(1).port())) {
            assertThat(j.configGet("hz").get("hz")).isEqualTo("20");
        }
        Result jobs = cli("job", "list", "cli");
        assertThat(jobs.out).containsPattern("config-rollout-\\S+\\s+config-rollout\\s+SUCCEEDED");
        String id = jobs.out.lines().filter(l -> l.startsWith("config-rollout-")).findFirst().orElseThrow().split("\\s+")[0];
        assertThat(cli("job", "show", id).out).contains("6/6 finish");
        assertThat(cli("job", "watch", id).code).isZero();
        assertThat(cli("job", "pause", id).code).as("a finished job cannot be paused").isEqualTo(CfgCli.REFUSED);

        Result switched = cli("group", "switchover", "cli", "g2");
        assertThat(switched.code).as(switched.toString()).isZero();
        assertThat(switched.out).contains(REDIS.get(2).address() + " -> " + REDIS.get(3).address()).contains("done");
        Result events = cli("events", "cli", "--limit", "200");
        assertThat(events.out).contains("+switch-master").contains("+config-rolled-out");
        Result started = cli("job", "start", "cli", "add-replica", "group=g1");
        assertThat(started.code).isEqualTo(CfgCli.REFUSED);
        assertThat(started.err).contains("params.address");
    }
}
