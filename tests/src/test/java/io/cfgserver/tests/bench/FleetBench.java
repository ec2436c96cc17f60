package io.cfgserver.tests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.FakeRedisFleet;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TemporalDevServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import redis.clients.jedis.Jedis;

/**
 * tests/bench/fleet.sh: what three registry peers cost when they watch a fleet, and whether a dead
 * master among many is failed over as fast as in a small cluster. See the script's header.
 */
public final class FleetBench {
    static final Deque<AutoCloseable> CLEANUP = new ConcurrentLinkedDeque<>();
    static final long DOWN_AFTER_MS = 1000;

    private FleetBench() {
    }

    /** CPU seconds (user + system) a process used so far, from /proc/pid/stat. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // CLK_TCK 100
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** Busy and total jiffies of the whole machine (/proc/stat). */
    static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException e) {
            return new long[] {0, 1};
        }
    }

    /** The prometheus text of a peer. */
    static String scrape(ServiceProcess p) {
        return p.http().get(p.adminUrl() + "/prometheus").expect(200).body();
    }

    static final Pattern BUCKET = Pattern.compile(
            "^cfgserver_probe_seconds_bucket\\{[^}]*outcome=\"ok\"[^}]*le=\"([0-9.eE+-]+|\\+Inf)\"[^}]*\\} ([0-9.eE+]+)", Pattern.MULTILINE);
    static final Pattern COUNT = Pattern.compile("^cfgserver_probe_seconds_count\\{outcome=\"(ok|failed)\",?\\} ([0-9.eE+]+)",
            Pattern.MULTILINE);
    static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\} ([0-9.eE+]+)",
            Pattern.MULTILINE);

    /** Cumulative ok-probe bucket counts by upper bound (seconds). */
    static Map<Double, Double> buckets(String prom) {
        Map<Double, Double> b = new java.util.TreeMap<>();
        Matcher m = BUCKET.matcher(prom);
        while (m.find()) {
            double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
            b.put(le, Double.parseDouble(m.group(2)));
        }
        return b;
    }

    static double count(String prom, String outcome) {
        Matcher m = COUNT.matcher(prom);
        while (m.find()) {
            if (m.group(1).equals(outcome)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    static double heapMb(String prom) {
        double sum = 0;
        Matcher m = HEAP.matcher(prom);
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum / 1024 / 1024;
    }

    /** The upper bound (ms) of the bucket holding quantile q of the probes between two scrapes. */
    static String quantile(String before, String after, double q) {
        Map<Double, Double> a = buckets(before);
        Map<Double, Double> b = buckets(after);
        double total = b.getOrDefault(Double.POSITIVE_INFINITY, 0.0) - a.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0) {
            return "n/a";
        }
        for (Map.Entry<Double, Double> e : b.entrySet()) {
            double n = e.getValue() - a.getOrDefault(e.getKey(), 0.0);
            if (n >= q * total) {
                return e.getKey().isInfinite() ? ">1000" : "<=" + trim(e.getKey() * 1000);
            }
        }
        return "n/a";
    }

    static String trim(double ms) {
        return ms == Math.rint(ms) ? Long.toString((long) ms) : Double.toString(ms);
    }

    /** What one peer cost over a window. */
    record PeerCost(String peer, double cores, double heapMb, double probesPerSecond, double failedPerSecond, String p50,
            String p99) {
        @Override
        public String toString() {
            return String.format("%s: cpu %.3f cores, heap %.0f MB, %.0f probes/s ok (%.1f/s failed), probe p50 %s ms,"
                    + " p99 %s ms", peer, cores, heapMb, probesPerSecond, failedPerSecond, p50, p99);
        }
    }

    /** CPU, heap and probes of every peer over {@code seconds}. */
    static List<PeerCost> measure(ServiceCluster registry, int seconds, String label) {
        List<ServiceProcess> peers = registry.peers();
        double[] cpu0 = new double[peers.size()];
        String[] prom0 = new String[peers.size()];
        for (int i = 0; i < peers.size(); i++) {
            cpu0[i] = cpuSeconds(peers.get(i).pid());
            prom0[i] = scrape(peers.get(i));
        }
        long[] m0 = machine();
        double self0 = cpuSeconds(ProcessHandle.current().pid());
        long t0 = System.nanoTime();
        double[] heapMax = new double[peers.size()];
        long end = t0 + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            sleep(Math.min(5000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            for (int i = 0; i < peers.size(); i++) {
                heapMax[i] = Math.max(heapMax[i], heapMb(scrape(peers.get(i))));
            }
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long[] m1 = machine();
        double self = (cpuSeconds(ProcessHandle.current().pid()) - self0) / elapsed;
        List<PeerCost> out = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            ServiceProcess p = peers.get(i);
            double cores = (cpuSeconds(p.pid()) - cpu0[i]) / elapsed;
            String prom = scrape(p);
            out.add(new PeerCost(p.peerId(), cores, heapMax[i],
                    (count(prom, "ok") - count(prom0[i], "ok")) / elapsed,
                    (count(prom, "failed") - count(prom0[i], "failed")) / elapsed,
                    quantile(prom0[i], prom, 0.5), quantile(prom0[i], prom, 0.99)));
        }
        System.out.printf("== %s over %.0f s (machine busy %.0f%% of %d cores; bench JVM with the fake fleet %.2f cores)%n",
                label, elapsed, 100.0 * (m1[0] - m0[0]) / Math.max(1, m1[1] - m0[1]),
                Runtime.getRuntime().availableProcessors(), self);
        out.forEach(c -> System.out.println("  " + c));
        return out;
    }

    // ---- registry API --------------------------------------------------------------------------

    static Map<String, Object> group(String id, String master, List<String> replicas) {
        return Map.of("id", id, "master", master, "replicas", replicas);
    }

    static long lastSeq(Http http, String base, String cluster) {
        long max = 0;
        for (JsonNode e : http.get(base + "/v1/clusters/" + cluster + "/events?limit=1000").expect(200).json()) {
            max = Math.max(max, e.get("seq").asLong());
        }
        return max;
    }

    /** Every peer's prober sees every instance of the cluster answer. */
    static boolean allUp(ServiceCluster registry, String cluster, int instances) {
        return upOnEveryPeer(registry, cluster) >= instances;
    }

    /** The fewest instances of the cluster any peer's prober sees answer. */
    static int upOnEveryPeer(ServiceCluster registry, String cluster) {
        int min = Integer.MAX_VALUE;
        for (ServiceProcess p : registry.peers()) {
            JsonNode list = p.http().get(p.baseUrl() + "/v1/clusters/" + cluster + "/instances?consistency=local")
                    .expect(200).json();
            int up = 0;
            for (JsonNode i : list) {
                if (i.path("up").asBoolean(false)) {
                    up++;
                }
            }
            min = Math.min(min, up);
        }
        return min;
    }

    /**
     * kill -9 of {@code master}, the master of {@code group}: waits for the failover to end; returns
     * fault->sdown, fault->odown, the controller's +failover-timings breakdown and fault->failover-end (ms).
     */
    static Map<String, Long> killAndFailOver(ServiceCluster registry, String cluster, String group, RedisProcess master) {
        Http http = registry.http();
        String base = registry.leader().baseUrl();
        long seq = lastSeq(http, base, cluster);
        String old = master.address();
        long t0 = System.currentTimeMillis();
        master.kill9();
        try {
            await("failover of " + group, 60_000, () -> {
                JsonNode g = http.get(base + "/v1/clusters/" + cluster + "/groups/" + group).expect(200).json();
                return !g.at("/master/address").asText().equals(old) && g.path("failover").isNull();
            });
        } catch (IllegalStateException e) {
            System.out.println("  NO FAILOVER of " + group + " within 60 s; the cluster's events since the kill:");
            for (JsonNode ev : http.get(base + "/v1/clusters/" + cluster + "/events?limit=30&afterSeq=" + seq)
                    .expect(200).json()) {
                System.out.println("    " + ev.get("type").asText() + " " + ev.get("subject").asText() + " "
                        + ev.get("message").asText());
            }
            return Map.of();
        }
        Map<String, Long> b = new LinkedHashMap<>();
        String port = old.substring(old.lastIndexOf(':'));
        long[] after = {seq};
        await("+failover-timings of " + group, 30_000, () -> {
            // page through: in a fleet, other groups' events may come first by the thousand
            List<JsonNode> page = new ArrayList<>();
            http.get(base + "/v1/clusters/" + cluster + "/events?limit=1000&afterSeq=" + after[0]).expect(200).json()
                    .forEach(page::add);
            for (JsonNode e : page) {
                after[0] = Math.max(after[0], e.get("seq").asLong());
                String type = e.get("type").asText();
                String subject = e.get("subject").asText();
                long at = e.get("atMillis").asLong() - t0;
                if (type.equals("+sdown") && subject.contains(port + "]")) {
                    b.putIfAbsent("fault->sdown", at);
                } else if (type.equals("+odown") && subject.endsWith("[" + group + "]")) {
                    b.putIfAbsent("fault->odown", at);
                } else if (type.equals("+failover-timings") && subject.endsWith("[" + group + "]")) {
                    Matcher m = Pattern.compile("([a-z]+->[a-z]+) (\\d+) ms").matcher(e.get("message").asText());
                    while (m.find()) {
                        b.put(m.group(1), Long.parseLong(m.group(2)));
                    }
                    b.put("fault->failover-end", at);
                    return true;
                }
            }
            return false;
        });
        return b;
    }

    /** A real group: master and one or two replicas, replicating, the replicas holding the master's fencing stamp. */
    static List<RedisProcess> realGroup(Path dir, int replicas) {
        List<RedisProcess> nodes = new ArrayList<>();
        for (int i = 0; i <= replicas; i++) {
            RedisProcess r = RedisProcess.start(dir);
            CLEANUP.push(r);
            nodes.add(r);
        }
        for (RedisProcess r : nodes.subList(1, nodes.size())) {
            try (Jedis j = r.jedis()) {
                j.replicaof("127.0.0.1", nodes.get(0).port());
            }
        }
        return nodes;
    }

    /** The replicas of a real group hold a fencing stamp (copied from their master): a failover may promote them. */
    static boolean stamped(List<RedisProcess> nodes) {
        for (RedisProcess r : nodes.subList(1, nodes.size())) {
            try (Jedis j = r.jedis()) {
                j.select(15);
                if (j.get("cfgserver:stamp") == null) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    // ---- main ----------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        int groups = 1000;
        int realGroups = 2;
        int window = 30;
        int idleWindow = 30;
        long replicaPeriod = 0;
        boolean temporal = System.getenv("TEMPORAL_BIN") != null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--groups" -> groups = Integer.parseInt(args[++i]);
                case "--real-groups" -> realGroups = Integer.parseInt(args[++i]);
                case "--window" -> window = Integer.parseInt(args[++i]);
                case "--idle-window" -> idleWindow = Integer.parseInt(args[++i]);
                case "--replica-probe-period" -> replicaPeriod = Long.parseLong(args[++i]);
                case "--no-temporal" -> temporal = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: fleet.sh [--groups 1000]"
                        + " [--real-groups 2] [--window 30] [--idle-window 30] [--replica-probe-period ms] [--no-temporal]");
            }
        }
        if (realGroups < 1 || groups < realGroups) {
            throw new IllegalArgumentException("--real-groups must be >= 1 and <= --groups");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(FleetBench::cleanup, "fleet-bench-cleanup"));
        Path dir = Files.createTempDirectory("cfgserver-fleet");
        System.out.printf("fleet bench in %s: %d groups of master + replica (%d of them real redis-server, the rest one"
                + " fake-redis JVM), 3 peers, down-after %d ms, replica probe period %s%n", dir, groups, realGroups,
                DOWN_AFTER_MS, replicaPeriod == 0 ? "as masters" : replicaPeriod + " ms");
        long started = System.nanoTime();
        int exit = 0;
        Map<String, String> result = new LinkedHashMap<>();
        try {
            String temporalTarget = "127.0.0.1:" + LoopbackPorts.next();
            if (temporal) {
                TemporalDevServer t = TemporalDevServer.start(dir.resolve("temporal"));
                CLEANUP.push(t);
                temporalTarget = t.target();
            }
            ServiceCluster registry = ServiceCluster.builder().dir(dir.resolve("registry")).temporalTarget(temporalTarget)
                    .eachPeer(b -> b.jvmArgs("-Ddw.registry.snapshotThreshold=100")).start();
            CLEANUP.push(registry);
            Http http = registry.http();
            System.out.printf("registry: 3 peers up after %d s (Temporal %s)%n", (System.nanoTime() - started) / 1_000_000_000,
                    temporal ? "dev server" : "absent");

            // ---- idle: three peers watching a 5-instance cluster (the demo's size) ----
            List<RedisProcess> d1 = realGroup(dir.resolve("demo"), 2);
            List<RedisProcess> d2 = realGroup(dir.resolve("demo"), 1);
            String base = registry.leader().baseUrl();
            http.post(base + "/v1/clusters", Map.of("name", "demo", "groups", List.of(
                    group("g1", d1.get(0).address(), List.of(d1.get(1).address(), d1.get(2).address())),
                    group("g2", d2.get(0).address(), List.of(d2.get(1).address()))))).expect(201);
            http.put(base + "/v1/clusters/demo/policy", Map.of("downAfterMillis", DOWN_AFTER_MS)).expect(200);
            await("demo: every peer sees 5 instances up, replicas stamped", 60_000,
                    () -> allUp(registry, "demo", 5) && stamped(d1) && stamped(d2));
            sleep(30_000); // the JIT settles first: idle is what a peer pays for weeks, not in its first minute
            List<PeerCost> idle = measure(registry, idleWindow, "idle: 3 peers watching 5 instances");
            Map<String, Long> small = killAndFailOver(registry, "demo", "g1", d1.get(0));
            System.out.println("== failover in the 5-instance cluster (kill -9 of g1's master): " + small);
            http.delete(base + "/v1/clusters/demo");
            Stream.concat(d1.stream(), d2.stream()).forEach(r -> {
                r.close();
                CLEANUP.remove(r);
            });

            // ---- the fleet ----
            long f0 = System.nanoTime();
            FakeRedisFleet fake = FakeRedisFleet.start(groups - realGroups, 1, 2);
            CLEANUP.push(fake);
            List<List<RedisProcess>> real = new ArrayList<>();
            List<Map<String, Object>> specs = new ArrayList<>();
            for (int r = 1; r <= realGroups; r++) {
                List<RedisProcess> g = realGroup(dir.resolve("real"), 1);
                real.add(g);
                specs.add(group("real-" + r, g.get(0).address(), List.of(g.get(1).address())));
            }
            int n = 0;
            for (FakeRedisFleet.Group g : fake.groups()) {
                specs.add(group(String.format("g%04d", ++n), g.master().address(),
                        g.replicas().stream().map(FakeRedisFleet.Instance::address).toList()));
            }
            System.out.printf("fleet: %d fake instances listening, %d real redis-server started in %d ms%n",
                    (groups - realGroups) * 2, realGroups * 2, (System.nanoTime() - f0) / 1_000_000);
            long c0 = System.nanoTime();
            http.post(base + "/v1/clusters", Map.of("name", "fleet", "groups", specs)).expect(201);
            long createMs = (System.nanoTime() - c0) / 1_000_000;
            Map<String, Object> policy = new LinkedHashMap<>();
            policy.put("downAfterMillis", DOWN_AFTER_MS);
            policy.put("maxFailoversPerWindow", 100);
            if (replicaPeriod > 0) {
                policy.put("replicaProbePeriodMillis", replicaPeriod);
            }
            http.put(base + "/v1/clusters/fleet/policy", policy).expect(200);
            System.out.printf("fleet: cluster of %d groups created with one POST /v1/clusters in %d ms%n", groups, createMs);
            long u0 = System.nanoTime();
            int instances = groups * 2;
            try {
                await("fleet: every peer sees " + instances + " instances up", 120_000, () -> {
                    sleep(1000);
                    return allUp(registry, "fleet", instances);
                });
            } catch (IllegalStateException e) {
                System.out.printf("fleet: NOT every instance up on every peer after 120 s (fewest up on a peer: %d of %d):"
                        + " measuring anyway%n", upOnEveryPeer(registry, "fleet"), instances);
            }
            long upMs = (System.nanoTime() - u0) / 1_000_000;
            try {
                await("fleet: real replicas stamped", 60_000, () -> real.stream().allMatch(FleetBench::stamped));
            } catch (IllegalStateException e) {
                // the leader's maintenance stamps a master only when its last probe is fresh (3 periods): an
                // overloaded machine may never get there; the failover below then says so (no-good-replica)
                System.out.println("fleet: the real masters were NOT stamped within 60 s: measuring anyway");
            }
            System.out.printf("fleet: every peer saw all %d instances up %d ms after the create%n", groups * 2, upMs);
            sleep(10_000);
            List<PeerCost> busy = measure(registry, window, "fleet: 3 peers watching " + groups * 2 + " instances");
            Map<String, Long> large = killAndFailOver(registry, "fleet", "real-1", real.get(0).get(0));
            System.out.println("== failover among " + groups * 2 + " instances (kill -9 of real-1's master): " + large);

            // ---- snapshot and a 4th peer ----
            long snapshotBytes = registry.peers().stream().mapToLong(p -> newestSnapshot(p.dataDir())).max().orElse(-1);
            String stateBytes = Long.toString(http.get(base + "/v1/clusters/fleet").expect(200).body().length());
            Map<String, Long> join = addPeer(registry, dir.resolve("registry"), temporalTarget);
            System.out.printf("== registry: newest snapshot %d bytes (the fleet cluster's JSON %s bytes); 4th peer: %s%n",
                    snapshotBytes, stateBytes, join);

            // ---- report ----
            double idleMax = idle.stream().mapToDouble(PeerCost::cores).max().orElse(-1);
            double busyMax = busy.stream().mapToDouble(PeerCost::cores).max().orElse(-1);
            double probeRate = busy.stream().mapToDouble(PeerCost::probesPerSecond).min().orElse(-1);
            double expected = replicaPeriod == 0 ? groups * 2 * 10.0 : groups * 10.0 + groups * 1000.0 / replicaPeriod;
            result.put("fleet_instances", Integer.toString(groups * 2));
            result.put("fleet_cpu_cores_max", String.format("%.2f(goal<=1)", busyMax));
            result.put("fleet_heap_mb_max", String.format("%.0f", busy.stream().mapToDouble(PeerCost::heapMb).max().orElse(-1)));
            result.put("fleet_probes_per_s_min", String.format("%.0f(of %.0f due)", probeRate, expected));
            result.put("fleet_probe_p50_ms", busy.get(0).p50());
            result.put("fleet_probe_p99_ms", busy.stream().map(PeerCost::p99).reduce((a, b) -> a + "/" + b).orElse("n/a"));
            result.put("failover_small_ms", small.getOrDefault("fault->failover-end", -1L) + "(sdown "
                    + small.getOrDefault("fault->sdown", -1L) + ")");
            result.put("failover_fleet_ms", large.getOrDefault("fault->failover-end", -1L) + "(sdown "
                    + large.getOrDefault("fault->sdown", -1L) + ",goal~small)");
            result.put("snapshot_bytes", Long.toString(snapshotBytes));
            result.put("new_peer_caught_up_ms", join.getOrDefault("add->caught-up", -1L) + "(goal<=2000)");
            result.put("idle_cpu_pct_max", String.format("%.1f(goal<=2)", idleMax * 100));
        } catch (RuntimeException | Error e) {
            System.out.println("bench aborted: " + e);
            e.printStackTrace(System.out);
            exit = 1;
        } finally {
            cleanup();
        }
        System.out.printf("total %d s, logs in %s%n", (System.nanoTime() - started) / 1_000_000_000, dir);
        StringBuilder line = new StringBuilder("RESULT");
        result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
        System.exit(exit);
    }

    /** Size of the newest Ratis snapshot file under a peer's data directory (-1: none). */
    static long newestSnapshot(Path dataDir) {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("snapshot.")
                    && !f.getFileName().toString().endsWith(".md5") && Files.isRegularFile(f))
                    .max(java.util.Comparator.comparingLong(f -> f.toFile().lastModified()))
                    .map(f -> f.toFile().length()).orElse(-1L);
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Starts a 4th peer (configured with the 4-peer membership), then adds it through the API and
     * waits until it has applied everything the leader had committed when the add returned.
     */
    static Map<String, Long> addPeer(ServiceCluster registry, Path dir, String temporalTarget) {
        List<ServiceProcess.Peer> members = new ArrayList<>();
        registry.peers().forEach(p -> members.add(new ServiceProcess.Peer(p.peerId(), p.raftAddress())));
        ServiceProcess.Peer p4 = ServiceProcess.Peer.onLoopback("p4", LoopbackPorts.next());
        members.add(p4);
        ServiceProcess peer = ServiceProcess.builder("p4").peers(members).dir(dir.resolve("p4")).temporalTarget(temporalTarget)
                .jvmArgs("-Ddw.registry.snapshotThreshold=100").build();
        CLEANUP.push(peer);
        peer.start();
        await("p4 answers", 120_000, () -> LoopbackPorts.accepting(peer.restPort()));
        sleep(2000); // its Ratis server is up too
        ServiceProcess leader = registry.leader();
        Map<String, Long> out = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        leader.http().post(leader.baseUrl() + "/v1/registry/peers", Map.of("id", "p4", "address", p4.address())).expect(200);
        out.put("add-request", (System.nanoTime() - t0) / 1_000_000);
        long commit = leader.registryInfo().map(i -> i.path("commitIndex").asLong()).orElse(0L);
        await("p4 caught up", 60_000, () -> peer.registryInfo().map(i -> i.path("appliedIndex").asLong() >= commit)
                .orElse(false));
        out.put("add->caught-up", (System.nanoTime() - t0) / 1_000_000);
        out.put("p4-snapshot-bytes", newestSnapshot(peer.dataDir()));
        return out;
    }

    static void cleanup() {
        AutoCloseable c;
        while ((c = CLEANUP.poll()) != null) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    static void await(String what, long timeoutMs, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            boolean ok;
            try {
                ok = condition.getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            if (ok) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": not reached within " + timeoutMs + " ms");
            }
            sleep(50);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
