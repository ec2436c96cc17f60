package io.cfgserver.tests.bench;

import com.fasterxml.jackson.databind.JsonNode;
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
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * tests/bench/migration.sh: one slot move by cfgserver's migrate-slots job against the same share of
 * keys moved by {@code redis-cli --cluster reshard} on a 3-master Redis Cluster, same keys, same
 * writer rate, same machine, one after the other. See the script's header for what is measured.
 */
public final class MigrationBench {
    static final Deque<AutoCloseable> CLEANUP = new ConcurrentLinkedDeque<>();

    int keys = 1_000_000;
    int valueBytes = 100;
    int slots = 256;
    int writesPerSecond = 2000;
    boolean reshard = true;
    int batch = 0;

    public static void main(String[] args) throws Exception {
        MigrationBench b = new MigrationBench();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--keys" -> b.keys = Integer.parseInt(args[++i]);
                case "--value-bytes" -> b.valueBytes = Integer.parseInt(args[++i]);
                case "--slots" -> b.slots = Integer.parseInt(args[++i]);
                case "--write-rate" -> b.writesPerSecond = Integer.parseInt(args[++i]);
                case "--no-reshard" -> b.reshard = false;
                case "--batch" -> b.batch = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("unknown argument " + args[i]
                            + "; usage: migration.sh [--keys N] [--value-bytes B] [--slots S] [--write-rate W] [--no-reshard]");
                    System.exit(2);
                }
            }
        }
        if (b.keys < 1000 || b.valueBytes < 1 || b.slots < 1 || b.slots > 511 || b.writesPerSecond < 1) {
            System.err.println("--keys >= 1000, --value-bytes >= 1, 1 <= --slots <= 511 (of g1's 512), --write-rate >= 1");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("migration-bench");
        Runtime.getRuntime().addShutdownHook(new Thread(MigrationBench::cleanup));
        int code = 0;
        try {
            code = b.run(dir);
        } finally {
            cleanup();
        }
        System.exit(code);
    }

    static void cleanup() {
        for (AutoCloseable c; (c = CLEANUP.pollLast()) != null;) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
    }

    static <T extends AutoCloseable> T track(T c) {
        CLEANUP.add(c);
        return c;
    }

    /** Key {@code i}'s loaded value: {@code valueBytes} of letters and digits that do not compress (DUMP uses LZF). */
    String value(int i) {
        StringBuilder b = new StringBuilder(valueBytes).append('v').append(i).append(':');
        long x = i * 0x9E3779B97F4A7C15L + 1;
        while (b.length() < valueBytes) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.append(ALPHABET.charAt((int) ((x >>> 1) % ALPHABET.length())));
        }
        return b.toString();
    }

    static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /** Bytes of key + value of the loaded keys: the MB/s of both tools count these. */
    double megabytes(long keyCount) {
        return keyCount * (valueBytes + 8.0) / 1e6;
    }

    static String key(int i) {
        return "k:" + i;
    }

    // ---- the writer: paced SETs, every acknowledged one kept -------------------------------------

    /** One SET as the writer saw it: when it was sent, how long it took, whether it was acknowledged. */
    record Op(long startNanos, long micros, boolean ok) {
    }

    /** Paced SETs of random loaded keys at {@code rate}/s through {@code set}; a reconnect after an error. */
    final class Writer implements AutoCloseable {
        final List<Op> ops = java.util.Collections.synchronizedList(new ArrayList<>());
        final Map<String, String> acked = new ConcurrentHashMap<>();
        final Set<String> uncertain = ConcurrentHashMap.newKeySet();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;

        Writer(java.util.function.Supplier<Function<String[], String>> connect, Runnable reset) {
            thread = new Thread(() -> {
                java.util.Random rnd = new java.util.Random(7);
                Function<String[], String> set = null;
                long period = 1_000_000_000L / writesPerSecond;
                long next = System.nanoTime();
                for (long n = 0; !stop.get(); n++) {
                    long now = System.nanoTime();
                    if (next > now) {
                        java.util.concurrent.locks.LockSupport.parkNanos(next - now);
                    }
                    next += period;
                    String k = key(rnd.nextInt(keys));
                    String v = "w" + n;
                    long t0 = System.nanoTime();
                    try {
                        if (set == null) {
                            set = connect.get();
                        }
                        boolean ok = "OK".equals(set.apply(new String[] {k, v}));
                        ops.add(new Op(t0, (System.nanoTime() - t0) / 1000, ok));
                        if (ok) {
                            acked.put(k, v);
                            uncertain.remove(k);
                        }
                    } catch (RuntimeException e) {
                        ops.add(new Op(t0, (System.nanoTime() - t0) / 1000, false));
                        uncertain.add(k); // its reply never came: maybe done
                        set = null;
                        reset.run();
                    }
                }
            }, "bench-writer");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }

        /** SET latencies (ms) and failures of the writes sent in [fromNanos, toNanos]. */
        String window(long fromNanos, long toNanos) {
            List<Op> in;
            synchronized (ops) {
                in = ops.stream().filter(o -> o.startNanos >= fromNanos && o.startNanos <= toNanos).toList();
            }
            long[] lat = in.stream().mapToLong(Op::micros).sorted().toArray();
            long failed = in.stream().filter(o -> !o.ok).count();
            return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d writes, %d failed", pct(lat, 50) / 1000.0,
                    pct(lat, 99) / 1000.0, pct(lat, 100) / 1000.0, lat.length, failed);
        }

        double windowPct(long fromNanos, long toNanos, double p) {
            long[] lat;
            synchronized (ops) {
                lat = ops.stream().filter(o -> o.startNanos >= fromNanos && o.startNanos <= toNanos).mapToLong(Op::micros)
                        .sorted().toArray();
            }
            return pct(lat, p) / 1000.0;
        }

        long failedIn(long fromNanos, long toNanos) {
            synchronized (ops) {
                return ops.stream().filter(o -> o.startNanos >= fromNanos && o.startNanos <= toNanos && !o.ok).count();
            }
        }
    }

    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** GETs of one key straight on {@code address} every 2 ms: the source's own latency. */
    static final class Probe implements AutoCloseable {
        final List<long[]> samples = java.util.Collections.synchronizedList(new ArrayList<>()); // {at, micros}
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;

        Probe(HostAndPort address, String key) {
            thread = new Thread(() -> {
                try (Jedis j = new Jedis(address, DefaultJedisClientConfig.builder().socketTimeoutMillis(10_000).build())) {
                    while (!stop.get()) {
                        long t0 = System.nanoTime();
                        j.get(key);
                        samples.add(new long[] {t0, (System.nanoTime() - t0) / 1000});
                        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
                    }
                } catch (RuntimeException e) {
                    System.err.println("probe stopped: " + e);
                }
            }, "bench-probe");
            thread.setDaemon(true);
            thread.start();
        }

        double p99Millis(long fromNanos, long toNanos) {
            long[] lat;
            synchronized (samples) {
                lat = samples.stream().filter(s -> s[0] >= fromNanos && s[0] <= toNanos).mapToLong(s -> s[1]).sorted().toArray();
            }
            return pct(lat, 99) / 1000.0;
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(5000);
        }
    }

    /** Acknowledged writes not read back with their value (uncertain keys left out); loaded keys checked too. */
    long lost(Writer w, Function<List<String>, List<String>> mget) {
        long lost = 0;
        List<String> all = new ArrayList<>(keys);
        for (int i = 0; i < keys; i++) {
            all.add(key(i));
        }
        for (int i = 0; i < all.size(); i += 1000) {
            List<String> batch = all.subList(i, Math.min(all.size(), i + 1000));
            List<String> got = mget.apply(batch);
            for (int b = 0; b < batch.size(); b++) {
                String k = batch.get(b);
                if (w.uncertain.contains(k)) {
                    continue;
                }
                String want = w.acked.getOrDefault(k, value(i + b));
                if (!want.equals(got.get(b))) {
                    lost++;
                }
            }
        }
        return lost;
    }

    // ---- cfgserver -------------------------------------------------------------------------------

    record Figures(long keysMoved, double keysPerSecond, double mbPerSecond, double seconds, double pauseP50, double pauseP99,
            double pauseMax, long pauseFailed, double sourceP99, long lost) {
    }

    int run(Path dir) throws Exception {
        System.out.printf("migration bench: %d keys of %d bytes, move %d of 1024 slots g1 -> g2, writer %d SET/s%n", keys,
                valueBytes, slots, writesPerSecond);
        Figures ours = cfgserver(dir.resolve("cfgserver"));
        cleanup();
        Figures theirs = reshard ? reshard(dir.resolve("reshard")) : null;
        cleanup();
        System.out.println();
        System.out.printf("cfgserver migrate-slots: %d keys in %.2f s of copy: %.0f keys/s, %.1f MB/s; pause p50 %.1f p99 %.1f"
                + " max %.1f ms, %d failed writes at cut-over; source p99 %.2f ms during the copy; %d acknowledged writes lost%n",
                ours.keysMoved, ours.seconds, ours.keysPerSecond, ours.mbPerSecond, ours.pauseP50, ours.pauseP99, ours.pauseMax,
                ours.pauseFailed, ours.sourceP99, ours.lost);
        if (theirs != null) {
            System.out.printf("redis-cli --cluster reshard: %d keys in %.2f s: %.0f keys/s, %.1f MB/s; writer p50 %.1f p99 %.1f"
                    + " max %.1f ms, %d failed writes during it; source p99 %.2f ms; %d acknowledged writes lost%n",
                    theirs.keysMoved, theirs.seconds, theirs.keysPerSecond, theirs.mbPerSecond, theirs.pauseP50,
                    theirs.pauseP99, theirs.pauseMax, theirs.pauseFailed, theirs.sourceP99, theirs.lost);
        }
        System.out.printf("RESULT migrate_keys_per_s=%.0f reshard_keys_per_s=%s speedup=%s migrate_mb_per_s=%.1f pause_p50_ms=%.1f"
                + " pause_p99_ms=%.1f pause_max_ms=%.1f lost_acked=%d%n", ours.keysPerSecond,
                theirs == null ? "n/a" : String.format("%.0f", theirs.keysPerSecond),
                theirs == null ? "n/a" : String.format("%.1f", ours.keysPerSecond / theirs.keysPerSecond), ours.mbPerSecond,
                ours.pauseP50, ours.pauseP99, ours.pauseMax, ours.lost + (theirs == null ? 0 : theirs.lost));
        return ours.lost == 0 ? 0 : 1;
    }

    Figures cfgserver(Path dir) throws Exception {
        TemporalDevServer temporal = track(TemporalDevServer.start(dir.resolve("temporal"), false));
        ServiceCluster service = track(ServiceCluster.start(dir.resolve("service"), temporal.target()));
        Http http = service.http();
        for (ServiceProcess p : service.peers()) {
            await(120, () -> http.tryGet(p.adminUrl() + "/healthcheck").map(r -> r.json().at("/temporal/temporalReachable").asBoolean())
                    .orElse(false));
        }
        List<RedisProcess> redis = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            redis.add(track(RedisProcess.start(dir.resolve("redis"))));
        }
        int proxyPort = LoopbackPorts.next();
        String base = service.any().baseUrl();
        http.post(base + "/v1/clusters", Map.of("name", "bench", "groups", List.of(
                Map.of("id", "g1", "master", redis.get(0).address(), "replicas", List.of(redis.get(1).address())),
                Map.of("id", "g2", "master", redis.get(2).address(), "replicas", List.of(redis.get(3).address()))),
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + proxyPort)))).expect(201);
        AgentProcess agent = track(new AgentProcess(dir.resolve("agent"), "bench", "p1",
                service.peers().stream().map(ServiceProcess::baseUrl).toList(), service.token(), 3000).start());
        await(60, () -> NutcrackerProcess.pings(proxyPort));
        long t0 = System.nanoTime();
        try (Jedis g1 = redis.get(0).jedis(); Jedis g2 = redis.get(2).jedis()) {
            Pipeline p1 = g1.pipelined();
            Pipeline p2 = g2.pipelined();
            for (int i = 0; i < keys; i++) {
                (Slots.slot(key(i)) < 512 ? p1 : p2).set(key(i), value(i));
                if (i % 2000 == 1999) {
                    p1.sync();
                    p2.sync();
                }
            }
            p1.sync();
            p2.sync();
        }
        for (RedisProcess r : List.of(redis.get(1), redis.get(3))) {
            await(300, () -> {
                try (Jedis j = r.jedis()) {
                    return j.info("replication").contains("master_link_status:up") && j.dbSize() > 0;
                }
            });
        }
        await(300, () -> offset(redis.get(0)) == offset(redis.get(1)) && offset(redis.get(2)) == offset(redis.get(3)));
        long moving = 0;
        for (int i = 0; i < keys; i++) {
            if (Slots.slot(key(i)) < slots) {
                moving++;
            }
        }
        System.out.printf("cfgserver: loaded %d keys in %.1f s (%d in slots 0..%d)%n", keys, (System.nanoTime() - t0) / 1e9, moving,
                slots - 1);
        String probeKey = java.util.stream.IntStream.range(0, keys).mapToObj(MigrationBench::key)
                .filter(k -> Slots.slot(k) >= slots && Slots.slot(k) < 512).findFirst().orElseThrow();
        Map<String, Long> steps = new LinkedHashMap<>();
        JsonNode view;
        String workflowId;
        try (Writer w = new Writer(() -> {
            Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort);
            return kv -> j.set(kv[0], kv[1]);
        }, () -> { });
                Probe probe = new Probe(new HostAndPort("127.0.0.1", redis.get(0).port()), probeKey)) {
            Thread.sleep(2000);
            long started = System.nanoTime();
            String id = http.post(base + "/v1/clusters/bench/jobs", Map.of("type", "migrate-slots", "params",
                    batch > 0 ? Map.of("from", 0, "to", slots - 1, "target", "g2", "keysPerBatch", batch)
                            : Map.of("from", 0, "to", slots - 1, "target", "g2"))).expect(201).json().at("/job/id").asText();
            steps.put("start", started);
            while (true) {
                view = http.get(base + "/v1/jobs/" + id).expect(200).json();
                String step = view.at("/progress/step").asText("");
                String state = view.at("/job/state").asText();
                if (!step.isEmpty()) {
                    steps.putIfAbsent(step, System.nanoTime());
                }
                if (!state.equals("RUNNING") && !state.equals("PENDING")) {
                    break;
                }
                Thread.sleep(100);
            }
            steps.put("end", System.nanoTime());
            Thread.sleep(1000);
            w.close();
            probe.close();
            if (!view.at("/job/state").asText().equals("SUCCEEDED")) {
                throw new IllegalStateException("the job did not succeed: " + view);
            }
            workflowId = view.at("/job/workflowId").asText();
            MigrateSlotsResult r = result(temporal.target(), workflowId);
            long copyEnd = steps.getOrDefault("cut-over", steps.get("end"));
            long cutFrom = copyEnd - TimeUnit.MILLISECONDS.toNanos(r.heldMillis() + 500);
            long cutTo = steps.getOrDefault("cleanup", steps.get("end")) + TimeUnit.MILLISECONDS.toNanos(500);
            var c = r.copy();
            System.out.printf("cfgserver: bulk copy %d keys in %d ms: %.0f keys/s, %.1f MB/s (DUMP payloads %.1f MB/s)%n",
                    c.bulkKeys(), c.bulkMillis(), c.bulkKeys() * 1000.0 / Math.max(1, c.bulkMillis()),
                    megabytes(c.bulkKeys()) * 1000.0 / Math.max(1, c.bulkMillis()),
                    c.bulkBytes() / 1e6 * 1000.0 / Math.max(1, c.bulkMillis()));
            System.out.printf("cfgserver: catch-up %d keys in %d ms; paused %d ms, source held %d ms (cut-over: commit,"
                    + " proxies, lift %d ms); cleanup %d keys in %d ms: %.0f keys/s; job %d ms (%d attempt(s))%n", c.catchUpKeys(),
                    c.catchUpMillis(), r.pausedMillis(), r.heldMillis(), r.cutOverMillis(), r.deletedFromSource(),
                    r.cleanupMillis(), r.deletedFromSource() * 1000.0 / Math.max(1, r.cleanupMillis()), r.totalMillis(),
                    r.attempts());
            System.out.printf("cfgserver: writer during the job: %s%n", w.window(started, steps.get("end")));
            System.out.printf("cfgserver: writer around the cut-over: %s%n", w.window(cutFrom, cutTo));
            double sourceP99 = probe.p99Millis(steps.getOrDefault("copy", started), copyEnd);
            System.out.printf("cfgserver: source GET p99 during the copy %.2f ms (before the job %.2f ms)%n", sourceP99,
                    probe.p99Millis(started - TimeUnit.SECONDS.toNanos(2), started));
            long lost;
            try (Jedis j = NutcrackerProcess.proxyClient("127.0.0.1", proxyPort)) {
                lost = lost(w, batch -> {
                    Pipeline p = j.pipelined();
                    List<Response<String>> rs = batch.stream().map(p::get).toList();
                    p.sync();
                    return rs.stream().map(Response::get).toList();
                });
            }
            System.out.printf("cfgserver: %d writes acknowledged, %d uncertain; %d acknowledged writes lost%n", w.acked.size(),
                    w.uncertain.size(), lost);
            return new Figures(c.bulkKeys(), c.bulkKeys() * 1000.0 / Math.max(1, c.bulkMillis()),
                    megabytes(c.bulkKeys()) * 1000.0 / Math.max(1, c.bulkMillis()), c.bulkMillis() / 1000.0,
                    w.windowPct(cutFrom, cutTo, 50), w.windowPct(cutFrom, cutTo, 99), w.windowPct(cutFrom, cutTo, 100),
                    w.failedIn(cutFrom, cutTo), sourceP99, lost);
        } finally {
            agent.close();
        }
    }

    static long offset(RedisProcess r) {
        try (Jedis j = r.jedis()) {
            for (String line : j.info("replication").split("\r\n")) {
                if (line.startsWith("master_repl_offset:")) {
                    return Long.parseLong(line.substring(19).trim());
                }
            }
        }
        return -1;
    }

    static MigrateSlotsResult result(String target, String workflowId) {
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
                .setTarget(target).build());
        try {
            return WorkflowClient.newInstance(stubs).newUntypedWorkflowStub(workflowId).getResult(MigrateSlotsResult.class);
        } finally {
            stubs.shutdownNow();
        }
    }

    // ---- redis-cli --cluster reshard -------------------------------------------------------------

    Figures reshard(Path dir) throws Exception {
        List<RedisProcess> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(track(RedisProcess.start(dir, "--cluster-enabled", "yes", "--cluster-node-timeout", "5000")));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.forEach(n -> create.add(n.address()));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        exec(create, 120);
        await(60, () -> nodes.stream().allMatch(n -> {
            try (Jedis j = n.jedis()) {
                return j.clusterInfo().contains("cluster_state:ok");
            }
        }));
        Map<Integer, RedisProcess> owner = owners(nodes);
        Map<String, String> idOf = new HashMap<>();
        for (RedisProcess n : nodes) {
            try (Jedis j = n.jedis()) {
                idOf.put(n.address(), j.clusterMyId());
            }
        }
        RedisProcess from = owner.get(0);
        RedisProcess to = nodes.stream().filter(n -> n != from).findFirst().orElseThrow();
        // the same share of the keys as cfgserver moves: slots/1024 of all keys, out of one master
        int share = (int) Math.round(16384.0 * slots / 1024);
        long t0 = System.nanoTime();
        Map<RedisProcess, Jedis> conns = new HashMap<>();
        Map<RedisProcess, Pipeline> pipes = new HashMap<>();
        for (RedisProcess n : nodes) {
            Jedis j = n.jedis();
            conns.put(n, j);
            pipes.put(n, j.pipelined());
        }
        for (int i = 0; i < keys; i++) {
            pipes.get(owner.get(JedisClusterCRC16.getSlot(key(i)))).set(key(i), value(i));
            if (i % 2000 == 1999) {
                pipes.values().forEach(Pipeline::sync);
            }
        }
        pipes.values().forEach(Pipeline::sync);
        conns.values().forEach(Jedis::close);
        long before;
        try (Jedis j = to.jedis()) {
            before = j.dbSize();
        }
        System.out.printf("reshard: loaded %d keys in %.1f s on 3 masters; moving %d of %s's slots to %s%n", keys,
                (System.nanoTime() - t0) / 1e9, share, from.address(), to.address());
        // reshard moves the source's lowest slots first: the probe reads a key of its highest slot, which stays
        String probeKey = java.util.stream.IntStream.range(0, keys).mapToObj(MigrationBench::key)
                .filter(k -> owner.get(JedisClusterCRC16.getSlot(k)) == from)
                .max(java.util.Comparator.comparingInt(JedisClusterCRC16::getSlot)).orElseThrow();
        Set<HostAndPort> seeds = new HashSet<>(List.of(new HostAndPort("127.0.0.1", nodes.get(0).port())));
        try (JedisCluster cluster = new JedisCluster(seeds, DefaultJedisClientConfig.builder().socketTimeoutMillis(5000).build(),
                5, new org.apache.commons.pool2.impl.GenericObjectPoolConfig<Connection>());
                Writer w = new Writer(() -> kv -> cluster.set(kv[0], kv[1]), () -> { });
                Probe probe = new Probe(new HostAndPort("127.0.0.1", from.port()), probeKey)) {
            Thread.sleep(2000);
            long started = System.nanoTime();
            exec(List.of("redis-cli", "--cluster", "reshard", from.address(), "--cluster-from", idOf.get(from.address()),
                    "--cluster-to", idOf.get(to.address()), "--cluster-slots", Integer.toString(share), "--cluster-yes"), 3600);
            long ended = System.nanoTime();
            Thread.sleep(1000);
            w.close();
            probe.close();
            long moved;
            try (Jedis j = to.jedis()) {
                moved = j.dbSize() - before;
            }
            double seconds = (ended - started) / 1e9;
            System.out.printf("reshard: %d keys in %.2f s: %.0f keys/s%n", moved, seconds, moved / seconds);
            System.out.printf("reshard: writer during it: %s%n", w.window(started, ended));
            double sourceP99 = probe.p99Millis(started, ended);
            System.out.printf("reshard: source GET p99 during it %.2f ms (before %.2f ms)%n", sourceP99,
                    probe.p99Millis(started - TimeUnit.SECONDS.toNanos(2), started));
            Map<Integer, RedisProcess> after = owners(nodes);
            Map<RedisProcess, Jedis> readers = new HashMap<>();
            nodes.forEach(n -> readers.put(n, n.jedis()));
            long lost = lost(w, batch -> {
                Map<RedisProcess, Pipeline> byNode = new HashMap<>();
                List<Response<String>> rs = new ArrayList<>();
                for (String k : batch) {
                    RedisProcess n = after.get(JedisClusterCRC16.getSlot(k));
                    rs.add(byNode.computeIfAbsent(n, x -> readers.get(x).pipelined()).get(k));
                }
                byNode.values().forEach(Pipeline::sync);
                return rs.stream().map(Response::get).toList();
            });
            readers.values().forEach(Jedis::close);
            System.out.printf("reshard: %d writes acknowledged, %d uncertain; %d acknowledged writes lost%n", w.acked.size(),
                    w.uncertain.size(), lost);
            return new Figures(moved, moved / seconds, megabytes(moved) / seconds, seconds,
                    w.windowPct(started, ended, 50), w.windowPct(started, ended, 99), w.windowPct(started, ended, 100),
                    w.failedIn(started, ended), sourceP99, lost);
        }
    }

    /** Slot -> master, from CLUSTER SLOTS of the first node. */
    static Map<Integer, RedisProcess> owners(List<RedisProcess> nodes) {
        Map<Integer, RedisProcess> owner = new HashMap<>();
        try (Jedis j = nodes.get(0).jedis()) {
            for (Object o : j.clusterSlots()) {
                List<?> range = (List<?>) o;
                int from = ((Long) range.get(0)).intValue();
                int to = ((Long) range.get(1)).intValue();
                int port = ((Long) ((List<?>) range.get(2)).get(1)).intValue();
                RedisProcess n = nodes.stream().filter(x -> x.port() == port).findFirst().orElseThrow();
                for (int s = from; s <= to; s++) {
                    owner.put(s, n);
                }
            }
        }
        return owner;
    }

    static void exec(List<String> command, int timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            String text = new String(out);
            throw new IllegalStateException(String.join(" ", command) + " failed:\n"
                    + text.substring(Math.max(0, text.length() - 3000)));
        }
    }

    static void await(int seconds, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out after " + seconds + " s");
            }
            Thread.sleep(100);
        }
    }
}
