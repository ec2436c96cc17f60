package io.cfgserver.tests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.render.ProxySettings;
import io.cfgserver.service.agent.AgentConfig;
import io.cfgserver.service.agent.ProxyAgent;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;

/**
 * tests/bench/propagation.sh: commit-to-last-ack time of a topology change for N agents (each
 * with its own nutcracker; the agents run in this JVM, the 3 registry peers in their own), and the
 * longest gap a client looping through one proxy sees while its nutcracker restarts.
 */
public final class PropagationBench {
    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(1, 10, 50);
        int rounds = 15;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--agents" -> sizes = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: propagation.sh [--agents 1,10,50] [--rounds 15]");
            }
        }
        Path dir = Files.createTempDirectory("cfgserver-propagation");
        List<String> results = new ArrayList<>();
        try (ServiceCluster registry = ServiceCluster.start(dir.resolve("registry"), "127.0.0.1:" + LoopbackPorts.next());
                RedisProcess r1 = RedisProcess.start(dir.resolve("r1"));
                RedisProcess r2 = RedisProcess.start(dir.resolve("r2"))) {
            Http http = registry.http();
            String base = registry.any().baseUrl();
            List<String> urls = registry.peers().stream().map(ServiceProcess::baseUrl).toList();
            System.out.printf("registry: 3 peers; agents in-process, lease 3000 ms; %d rounds per size%n", rounds);
            for (int n : sizes) {
                try {
                    results.add(measure(n, rounds, dir.resolve("n" + n), http, base, urls, registry.token(), r1, r2));
                } catch (RuntimeException e) {
                    results.add("FAILED agents=" + n + ": " + e.getMessage());
                    System.out.println(results.get(results.size() - 1));
                }
            }
        }
        System.out.println();
        results.forEach(System.out::println);
        System.exit(results.stream().anyMatch(r -> r.startsWith("FAILED")) ? 1 : 0);
    }

    static String measure(int n, int rounds, Path dir, Http http, String base, List<String> urls, String token,
            RedisProcess r1, RedisProcess r2) throws Exception {
        String cluster = "prop-" + n;
        List<Map<String, Object>> proxies = new ArrayList<>();
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = LoopbackPorts.next();
            proxies.add(Map.of("id", "p" + i, "listen", "127.0.0.1:" + ports[i]));
        }
        http.post(base + "/v1/clusters", Map.of("name", cluster, "groups", List.of(
                Map.of("id", "g1", "master", r1.address(), "replicas", List.of()),
                Map.of("id", "g2", "master", r2.address(), "replicas", List.of())), "proxies", proxies)).expect(201);
        List<ProxyAgent> agents = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AgentConfig c = new AgentConfig();
            c.cluster = cluster;
            c.proxyId = "p" + i;
            c.registry = urls;
            c.token = token;
            c.leaseMillis = 3000;
            c.settings = ProxySettings.defaults();
            c.nutcracker.binary = NutcrackerProcess.binary();
            c.nutcracker.workDir = dir.resolve("p" + i).toString();
            c.nutcracker.statsPort = LoopbackPorts.next();
            ProxyAgent agent = new ProxyAgent(c);
            agents.add(agent);
            Thread t = new Thread(() -> {
                try {
                    agent.run();
                } catch (Exception e) {
                    System.err.println("agent " + c.proxyId + " stopped: " + e);
                }
            }, "agent-p" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        try {
            return rounds(n, rounds, cluster, ports, http, base);
        } finally {
            for (ProxyAgent a : agents) {
                a.close();
            }
            for (Thread t : threads) {
                t.join(5000);
            }
            http.delete(base + "/v1/clusters/" + cluster);
        }
    }

    static String rounds(int n, int rounds, String cluster, int[] ports, Http http, String base) throws Exception {
        long version = version(http, base, cluster);
        awaitAcked(http, base, cluster, version, n, 60_000);

        // a client looping SETs through proxy p0; a failed call reconnects
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong lastOk = new AtomicLong(System.nanoTime());
        AtomicLong maxGapNanos = new AtomicLong();
        Thread client = new Thread(() -> {
            Jedis j = null;
            long i = 0;
            while (!stop.get()) {
                try {
                    if (j == null) {
                        j = NutcrackerProcess.proxyClient("127.0.0.1", ports[0]);
                    }
                    j.set("bench-" + (i++ % 1000), "v");
                    long now = System.nanoTime();
                    maxGapNanos.accumulateAndGet(now - lastOk.getAndSet(now), Math::max);
                } catch (RuntimeException e) {
                    if (j != null) {
                        try {
                            j.close();
                        } catch (RuntimeException ignored) {
                            // already broken
                        }
                    }
                    j = null;
                }
            }
            if (j != null) {
                j.close();
            }
        }, "bench-client");
        client.setDaemon(true);
        client.start();

        List<Long> propagation = new ArrayList<>();
        List<Long> commit = new ArrayList<>();
        List<Long> gaps = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Thread.sleep(300);
            maxGapNanos.set(0);
            lastOk.set(System.nanoTime());
            String moved = r % 2 == 0 ? "g2" : "g1";
            long t0 = System.currentTimeMillis();
            http.put(base + "/v1/clusters/" + cluster + "/slots", Map.of("force", true, "ranges", List.of(
                    Map.of("from", 0, "to", 99, "group", moved), Map.of("from", 100, "to", 511, "group", "g1"),
                    Map.of("from", 512, "to", 1023, "group", "g2")))).expect(200);
            long committed = System.currentTimeMillis();
            long v = version(http, base, cluster);
            long lastAck = awaitAcked(http, base, cluster, v, n, 60_000);
            Thread.sleep(100);
            commit.add(committed - t0);
            propagation.add(lastAck - t0);
            gaps.add(maxGapNanos.get() / 1_000_000);
        }
        stop.set(true);
        client.join(5000);
        String line = String.format("RESULT agents=%d rounds=%d commit_p50_ms=%d commit_p99_ms=%d "
                + "last_ack_p50_ms=%d last_ack_p99_ms=%d client_gap_p50_ms=%d client_gap_p99_ms=%d",
                n, rounds, pct(commit, 50), pct(commit, 99), pct(propagation, 50), pct(propagation, 99),
                pct(gaps, 50), pct(gaps, 99));
        System.out.println(line);
        return line;
    }

    static long version(Http http, String base, String cluster) {
        return http.get(base + "/v1/clusters/" + cluster).expect(200).json().at("/cluster/version").asLong();
    }

    /** Polls until every proxy acked {@code version}; returns the latest ack time (registry clock, epoch ms). */
    static long awaitAcked(Http http, String base, String cluster, long version, int n, long timeoutMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            JsonNode proxies = http.get(base + "/v1/clusters/" + cluster + "/proxies?consistency=local").expect(200).json();
            long last = 0;
            int acked = 0;
            for (JsonNode p : proxies) {
                if (p.at("/proxy/servedVersion").asLong() >= version) {
                    acked++;
                    last = Math.max(last, p.at("/proxy/lastAckMillis").asLong());
                }
            }
            if (acked == n) {
                return last;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("not every proxy acked version " + version + " within " + timeoutMs + " ms");
    }

    static long pct(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
    }
}
