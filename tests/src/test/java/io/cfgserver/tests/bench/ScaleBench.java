package io.cfgserver.tests.bench;

import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TemporalDevServer;
import io.cfgserver.workflows.migration.MigrateSlotsResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * tests/bench/scale.sh: a scale-out from 1 to 2 groups, by the split fast path and by a key-by-key
 * move, same keys, same writer, same machine, one after the other. See the script's header.
 */
public final class ScaleBench {
    record Figures(long keysMoved, long moveMillis, double keysPerSecond, long heldMillis, double pauseP99, double pauseMax,
            long failedAtCutOver, long lost, long jobMillis) {
    }

    public static void main(String[] args) throws Exception {
        MigrationBench m = new MigrationBench();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--keys" -> m.keys = Integer.parseInt(args[++i]);
                case "--value-bytes" -> m.valueBytes = Integer.parseInt(args[++i]);
                case "--write-rate" -> m.writesPerSecond = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("unknown argument " + args[i]
                            + "; usage: scale.sh [--keys N] [--value-bytes B] [--write-rate W]");
                    System.exit(2);
                }
            }
        }
        if (m.keys < 1000 || m.valueBytes < 1 || m.writesPerSecond < 1) {
            System.err.println("--keys >= 1000, --value-bytes >= 1, --write-rate >= 1");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("scale-bench");
        Runtime.getRuntime().addShutdownHook(new Thread(MigrationBench::cleanup));
        int code;
        try {
            System.out.printf("scale bench: %d keys of %d bytes in one group, scale-out to 2 groups, writer %d SET/s%n",
                    m.keys, m.valueBytes, m.writesPerSecond);
            Figures split = scaleOut(m, dir.resolve("split"), true);
            MigrationBench.cleanup();
            Figures copy = scaleOut(m, dir.resolve("copy"), false);
            MigrationBench.cleanup();
            System.out.println();
            for (String[] row : List.of(new String[] {"split (replication)", "s"}, new String[] {"key-by-key move", "c"})) {
                Figures f = row[1].equals("s") ? split : copy;
                System.out.printf("%s: %d keys moved in %d ms: %.0f keys/s effective; source held %d ms; writer around the"
                        + " cut-over p99 %.1f max %.1f ms, %d failed; job %d ms; %d acknowledged writes lost%n", row[0],
                        f.keysMoved, f.moveMillis, f.keysPerSecond, f.heldMillis, f.pauseP99, f.pauseMax, f.failedAtCutOver,
                        f.jobMillis, f.lost);
            }
            System.out.printf("RESULT split_keys_per_s=%.0f copy_keys_per_s=%.0f speedup=%.1f split_pause_max_ms=%.1f"
                    + " split_pause_p99_ms=%.1f copy_pause_max_ms=%.1f lost_acked=%d%n", split.keysPerSecond, copy.keysPerSecond,
                    split.keysPerSecond / Math.max(1, copy.keysPerSecond), split.pauseMax, split.pauseP99, copy.pauseMax,
                    split.lost + copy.lost);
            code = split.lost + copy.lost == 0 ? 0 : 1;
        } finally {
            MigrationBench.cleanup();
        }
        System.exit(code);
    }

    /**
     * One group (master + replica) with every key, a scale-out adding a second (master + replica) with
     * {@code split} allowed or not. The move's time is its child job's, from its start to the end of its
     * cut-over (the trim or cleanup after it runs while both groups serve).
     */
    static Figures scaleOut(MigrationBench m, Path dir, boolean split) throws Exception {
        TemporalDevServer temporal = MigrationBench.track(TemporalDevServer.start(dir.resolve("temporal"), false));
        ServiceCluster service = MigrationBench.track(ServiceCluster.start(dir.resolve("service"), temporal.target()));
        Http http = service.http();
        for (ServiceProcess p : service.peers()) {
            MigrationBench.await(120, () -> http.tryGet(p.adminUrl() + "/healthcheck")
                    .map(r -> r.json().at("/temporal/temporalReachable").asBoolean()).orElse(false));
        }
        List<RedisProcess> redis = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            redis.add(MigrationBench.track(RedisProcess.start(dir.resolve("redis"))));
        }
        int proxyPort = LoopbackPorts.next();
        String base = service.any().baseUrl();
        http.post(base + "/v1/clusters", Map.of("name", "bench", "groups", List.of(
                Map.of("id", "g1", "master", redis.get(0).address(), "replicas", List.of(redis.get(1).address()))),
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + proxyPort)))).expect(201);
        AgentProcess agent = MigrationBench.track(new AgentProcess(dir.resolve("agent"), "bench", "p1",
                service.peers().stream().map(ServiceProcess::baseUrl).toList(), service.token(), 3000).start());
        MigrationBench.await(60, () -> NutcrackerProcess.pings(proxyPort));
        long t0 = System.nanoTime();
        try (Jedis g1 = redis.get(0).jedis()) {
            Pipeline p = g1.pipelined();
            for (int i = 0; i < m.keys; i++) {
                p.set(MigrationBench.key(i), m.value(i));
                if (i % 2000 == 1999) {
                    p.sync();
                }
            }
            p.sync();
        }
        MigrationBench.await(300, () -> MigrationBench.offset(redis.get(0)) == MigrationBench.offset(redis.get(1)));
        long moving = 0;
        for (int i = 0; i < m.keys; i++) {
            moving += Slots.slot(MigrationBench.key(i)) >= 512 ? 1 : 0;
        }
        String mode = split ? "split" : "key-by-key";
        System.out.printf("%s: loaded %d keys in %.1f s (%d in slots 512..1023, the half that moves)%n", mode, m.keys,
                (System.nanoTime() - t0) / 1e9, moving);
        try (MigrationBench.Writer w = m.new Writer(() -> {
            Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort);
            return kv -> j.set(kv[0], kv[1]);
        }, () -> { })) {
            Thread.sleep(2000);
            long started = System.nanoTime();
            Map<String, Object> g2 = new java.util.HashMap<>(Map.of("id", "g2", "master", redis.get(2).address(), "replicas",
                    List.of(redis.get(3).address())));
            g2.put("split", split);
            String id = http.post(base + "/v1/clusters/bench/jobs", Map.of("type", "scale-out", "params",
                    Map.of("groups", List.of(g2)))).expect(201).json().at("/job/id").asText();
            String state;
            while (true) {
                state = http.get(base + "/v1/jobs/" + id).expect(200).json().at("/job/state").asText();
                if (!state.equals("RUNNING")) {
                    break;
                }
                Thread.sleep(100);
            }
            long ended = System.nanoTime();
            Thread.sleep(1000);
            w.close();
            if (!state.equals("SUCCEEDED")) {
                throw new IllegalStateException("the scale-out did not succeed: " + http.get(base + "/v1/jobs/" + id).body());
            }
            MigrateSlotsResult r = MigrationBench.result(temporal.target(), id + "-m0");
            long moveMillis = r.totalMillis() - r.cleanupMillis();
            // the cut-over: the registry's +migration-cutover event (wall clock) is the commit; the hold began
            // heldMillis before the proxies had it. The writes from a second before to a second after.
            long commitMillis = -1;
            for (var e : http.get(base + "/v1/clusters/bench/events?limit=1000").expect(200).json()) {
                if (e.path("type").asText().equals("+migration-cutover")) {
                    commitMillis = e.path("atMillis").asLong();
                }
            }
            long nowNanos = System.nanoTime();
            long commitNanos = nowNanos - TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis() - commitMillis);
            long cutFrom = commitNanos - TimeUnit.MILLISECONDS.toNanos(r.heldMillis() + 1000);
            long cutTo = commitNanos + TimeUnit.MILLISECONDS.toNanos(r.cutOverMillis() + 1000);
            System.out.printf("%s: %s; child %s%n", mode, http.get(base + "/v1/jobs/" + id).json().at("/job/message").asText(),
                    http.get(base + "/v1/jobs/" + id + "-m0").json().at("/job/message").asText());
            System.out.printf("%s: writer during the job: %s; around the cut-over: %s%n", mode, w.window(started, ended),
                    w.window(cutFrom, cutTo));
            long lost;
            try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort)) {
                lost = m.lost(w, batch -> {
                    Pipeline p = j.pipelined();
                    List<Response<String>> rs = batch.stream().map(p::get).toList();
                    p.sync();
                    return rs.stream().map(Response::get).toList();
                });
            }
            System.out.printf("%s: %d writes acknowledged, %d uncertain; %d acknowledged writes lost%n", mode, w.acked.size(),
                    w.uncertain.size(), lost);
            return new Figures(moving, moveMillis, moving * 1000.0 / Math.max(1, moveMillis), r.heldMillis(),
                    w.windowPct(cutFrom, cutTo, 99), w.windowPct(cutFrom, cutTo, 100), w.failedIn(cutFrom, cutTo), lost,
                    (ended - started) / 1_000_000);
        } finally {
            agent.close();
        }
    }
}
