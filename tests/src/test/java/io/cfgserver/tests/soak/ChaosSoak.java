package io.cfgserver.tests.soak;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.topology.Slots;
import io.cfgserver.testing.Placement;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.DataModel;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NetLab;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TemporalDevServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The chaos soak of issue 13: two clusters behind their own proxy (agent + nutcracker), two writers per
 * cluster through it — the mixed-type model of every acknowledged write ({@link DataModel}) and unique-key
 * SETs with exact ack times ({@link UniqueWriter}) — a scale-out and rebalances running one after the
 * other on each cluster, and one random fault at a time for {@code --minutes}:
 * kill -9 of a master, of the registry leader, of a peer hosting a Temporal worker, a master cut off
 * from the control plane and its replicas while its proxy still reaches it, a proxy restart (agent and
 * nutcracker), an agent restart (nutcracker left serving, adopted), a Temporal server restart. Every redis-server and each proxy (agent + nutcracker) runs in a network namespace
 * of its own ({@link NetLab}); the peers, Temporal and this JVM are on the lab's outside host, so a
 * partition is a real cut (nftables drops) between the master's namespace and the outside and its
 * replicas. Where namespaces cannot be made (not root, no nft), everything runs on 127.0.0.1 and the
 * partition falls back to the test hook {@code unreachable-<host:port>} (the peers' probes of and
 * commands to the master fail; its replicas still reach it); the report says which. Then every fault is healed, running jobs are let finish (or cancelled), and it checks:
 * <ul>
 *   <li>every acknowledged write is readable, except writes acknowledged inside an unplanned failover's
 *       window (docs/failover.md, "What asynchronous replication still costs"); those are counted per
 *       window (exactly for the unique-key SETs; for the mixed-type model a wrong key is excused when any
 *       of its writes fell in a window);</li>
 *   <li>every slot has exactly one owner in the map, and every key on a group's master lies in a slot
 *       that group owns (no slot served by two groups);</li>
 *   <li>no proxy lagged behind the committed map for longer than its lease allows (sampled every
 *       500 ms during the whole run), and every proxy serves the current map at the end;</li>
 *   <li>every job reached SUCCEEDED, FAILED or CANCELLED, no slot move is left in the registry, no
 *       workflow is left running in Temporal, and the cluster's lock is free (a new job is taken).</li>
 * </ul>
 * Prints the report and a last line {@code RESULT PASS|FAIL ...}; exits 0 only when every check passed.
 * Every process it starts is stopped at the end, on failure, on Ctrl-C (a shutdown hook) and at the
 * hard deadline ({@code --minutes} + 20 min).
 *
 * <p>Run by {@code tests/soak/soak.sh [--minutes 10] [--seed N] [--keys 20000]}.
 */
public final class ChaosSoak {
    static final List<String> CLUSTERS = List.of("soak-a", "soak-b");
    static final long LEASE_MILLIS = 3000;
    /** A proxy may lag behind a committed version for its lease plus this (sampling, a nutcracker restart). */
    static final long LAG_SLACK_MILLIS = 2000;
    static final List<String> FAULT_KINDS = List.of("master-kill", "leader-kill", "worker-kill", "partition",
            "proxy-restart", "agent-restart", "agent-kill", "temporal-restart");
    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

    private final double minutes;
    private final long seed;
    private final int keys;
    private final List<String> kinds;
    private final Random rnd;
    private final Path dir;
    private final long startMillis = System.currentTimeMillis();
    private final AtomicBoolean stopped = new AtomicBoolean();

    private TemporalDevServer temporal;
    private ServiceCluster service;
    private Path hooks;
    private NetLab lab;
    private String partitionMode;
    /** redis address → its namespace host (with a lab). */
    private final Map<String, NetLab.Host> hostOf = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Fleet> fleets = new LinkedHashMap<>();
    private final Map<String, RedisProcess> redis = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<JobRun> jobs = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Map<String, String> checks = new LinkedHashMap<>();
    private volatile boolean faultsOver;
    private volatile boolean monitorStop;
    private long faultsStartMillis;
    private long faultsEndMillis;
    private long downAfterMillis = 5000;

    /** One cluster of the soak: its redis-servers, its proxy and its writer. */
    static final class Fleet {
        final String name;
        final String proxyIp;
        final int proxyPort;
        final DataModel model = new DataModel();
        final List<String> spare = new ArrayList<>();
        AgentProcess agent;
        DataModel.Writer writer;
        UniqueWriter unique;
        /** Cluster version → when the monitor first saw it committed (epoch ms). */
        final Map<Long, Long> versionSeen = new HashMap<>();
        /** Proxy id → since when it has been lagging (epoch ms), while it is. */
        final Map<String, Long> laggingSince = new HashMap<>();
        long maxLagMillis;
        long proxySamples;

        Fleet(String name, String proxyIp, int proxyPort) {
            this.name = name;
            this.proxyIp = proxyIp;
            this.proxyPort = proxyPort;
        }
    }

    record Fault(long atMillis, long endMillis, String kind, String target, String outcome) {
    }

    record JobRun(String cluster, String id, String type, String params, long startMillis, long endMillis, String state,
            String message) {
    }

    /** An unplanned failover's window: writes acknowledged in it may be lost (docs/failover.md). */
    record Window(String cluster, String group, String from, String to, long startedMillis, long endedMillis, long fromMillis,
            long toMillis) {
        boolean contains(long t) {
            return t >= fromMillis && t <= toMillis;
        }
    }

    ChaosSoak(double minutes, long seed, int keys, List<String> kinds, Path dir) {
        this.minutes = minutes;
        this.kinds = List.copyOf(kinds);
        this.seed = seed;
        this.keys = keys;
        this.rnd = new Random(seed);
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        double minutes = 10;
        long seed = System.currentTimeMillis() % 100_000;
        int keys = 20_000;
        List<String> kinds = FAULT_KINDS;
        Path dir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> minutes = Double.parseDouble(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--keys" -> keys = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--faults" -> kinds = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: [--minutes 10] [--seed N] [--keys 20000] [--faults kind,...] [--dir DIR])");
            }
        }
        if (dir == null) {
            dir = Path.of("tests", "target", "soak", "run-" + Instant.now().toString().replace(":", ""));
        }
        Files.createDirectories(dir);
        if (!FAULT_KINDS.containsAll(kinds)) {
            throw new IllegalArgumentException("--faults takes some of " + FAULT_KINDS + ", got " + kinds);
        }
        ChaosSoak soak = new ChaosSoak(minutes, seed, keys, kinds, dir.toAbsolutePath());
        Runtime.getRuntime().addShutdownHook(new Thread(soak::stopEverything, "soak-cleanup"));
        long hardDeadlineMillis = (long) (minutes * 60_000) + 20 * 60_000;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(hardDeadlineMillis);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("RESULT FAIL hard deadline of " + hardDeadlineMillis / 1000 + " s passed; stopping everything");
            System.exit(3);
        }, "soak-hard-deadline");
        watchdog.setDaemon(true);
        watchdog.start();
        int code;
        try {
            code = soak.run() ? 0 : 1;
        } catch (Throwable e) {
            e.printStackTrace(System.out);
            System.out.println("RESULT FAIL error=" + e.toString().replace('\n', ' '));
            code = 2;
        }
        soak.stopEverything();
        System.exit(code);
    }

    // ---- the run -------------------------------------------------------------------------------

    boolean run() throws Exception {
        log("soak: %s min of faults %s, seed %d, %d keys per cluster, dir %s", minutes, kinds, seed, keys, dir);
        setUp();
        Thread monitor = daemon("proxy-monitor", this::monitorProxies);
        for (Fleet f : fleets.values()) {
            f.writer = f.model.writer(f.proxyIp, f.proxyPort, seed + f.name.hashCode());
            f.unique = new UniqueWriter(f.proxyIp, f.proxyPort, "u:" + f.name + ":");
        }
        faultsStartMillis = System.currentTimeMillis();
        faultsEndMillis = faultsStartMillis + (long) (minutes * 60_000);
        List<Thread> runners = new ArrayList<>();
        for (Fleet f : fleets.values()) {
            runners.add(daemon("jobs-" + f.name, () -> runJobs(f)));
        }
        injectFaults();
        faultsOver = true;
        log("faults over: %d injected; healing, letting the running jobs end", faults.size());
        heal();
        for (Thread t : runners) {
            t.join(Duration.ofMinutes(6).toMillis());
            if (t.isAlive()) {
                violations.add("a job runner (" + t.getName() + ") did not end within 6 min after the faults");
            }
        }
        settle();
        monitorStop = true;
        monitor.join(5000);
        for (Fleet f : fleets.values()) {
            if (!f.writer.isRunning()) {
                violations.add("the writer of " + f.name + " died before the end (see its stack trace above)");
            }
            f.writer.close();
            if (!f.unique.thread.isAlive()) {
                violations.add("the unique-key writer of " + f.name + " died before the end");
            }
            f.unique.close();
        }
        return checkAndReport();
    }

    private void setUp() throws Exception {
        long t = System.currentTimeMillis();
        Optional<String> noLab = NetLab.unavailable();
        if (noLab.isEmpty()) {
            lab = NetLab.create();
            partitionMode = "network namespaces (NetLab): nftables cut of the master from the peers and its replicas";
        } else {
            partitionMode = "test hook unreachable-<host:port> (no network namespaces here: " + noLab.get() + ")";
        }
        Placement outside = lab == null ? Placement.LOOPBACK : lab.outside().placement();
        temporal = TemporalDevServer.start(dir.resolve("temporal"));
        hooks = Files.createDirectories(dir.resolve("hooks"));
        service = ServiceCluster.builder().dir(dir.resolve("peers")).temporalTarget(temporal.target())
                .placeEach(id -> outside).eachPeer(b -> b.jvmArgs("-Dcfgserver.test.hooksDir=" + hooks)).start();
        for (ServiceProcess p : service.peers()) {
            awaitTrue("temporal reachable from " + p.peerId(), Duration.ofSeconds(90), () -> service.http()
                    .tryGet(p.adminUrl() + "/healthcheck").map(r -> r.json().at("/temporal/temporalReachable").asBoolean())
                    .orElse(false));
        }
        log("temporal %s and 3 peers up (%d ms); partitions by %s", temporal.target(), System.currentTimeMillis() - t,
                partitionMode);
        for (String name : CLUSTERS) {
            String shortName = name.substring(name.length() - 1);
            NetLab.Host proxyHost = lab == null ? null : lab.host(shortName + "px");
            Fleet f = new Fleet(name, proxyHost == null ? "127.0.0.1" : proxyHost.ip(), LoopbackPorts.next());
            List<String> a = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                NetLab.Host h = lab == null ? null : lab.host(shortName + "r" + i);
                RedisProcess r = RedisProcess.start(dir.resolve("redis"), h == null ? Placement.LOOPBACK : h.placement());
                redis.put(r.address(), r);
                if (h != null) {
                    hostOf.put(r.address(), h);
                }
                a.add(r.address());
            }
            f.spare.addAll(a.subList(4, 6));
            request("POST", "/v1/clusters", Map.of("name", name,
                    "groups", List.of(Map.of("id", "g1", "master", a.get(0), "replicas", List.of(a.get(1))),
                            Map.of("id", "g2", "master", a.get(2), "replicas", List.of(a.get(3)))),
                    "proxies", List.of(Map.of("id", "p1", "listen", f.proxyIp + ":" + f.proxyPort))), Duration.ofSeconds(30))
                    .expect(201);
            // the soak fails masters over again and again: no rate limit
            request("PUT", "/v1/clusters/" + name + "/policy", Map.of("maxFailoversPerWindow", 1000),
                    Duration.ofSeconds(30)).expect(200);
            JsonNode policy = request("GET", "/v1/clusters/" + name + "/policy", null, Duration.ofSeconds(30)).expect(200)
                    .json();
            downAfterMillis = policy.path("downAfterMillis").asLong(downAfterMillis);
            log("cluster %s: g1 %s+%s, g2 %s+%s, spare %s; policy %s", name, a.get(0), a.get(1), a.get(2), a.get(3),
                    f.spare, policy);
            f.agent = new AgentProcess(dir.resolve("agent-" + name), name, "p1",
                    service.peers().stream().map(ServiceProcess::baseUrl).toList(), service.token(), LEASE_MILLIS)
                    .placedAt(proxyHost == null ? Placement.LOOPBACK : proxyHost.placement()).start();
            awaitTrue("proxy of " + name, Duration.ofSeconds(60), () -> pings(f));
            try (Jedis j = NutcrackerProcess.proxyClient(f.proxyIp, f.proxyPort)) {
                f.model.load(j, keys);
            }
            fleets.put(name, f);
        }
        log("setup done in %d s", (System.currentTimeMillis() - t) / 1000);
    }

    // ---- jobs ------------------------------------------------------------------------------------

    /**
     * One job after another until the faults end: soak-a grows by g3 first, then rebalances; soak-b
     * rebalances, grows by g3 half-way through, then rebalances. Each rebalance gives another group
     * twice the weight, so every one moves slots.
     */
    private void runJobs(Fleet f) {
        int n = 0;
        boolean grown = false;
        while (!faultsOver) {
            boolean halfway = System.currentTimeMillis() > faultsStartMillis + (faultsEndMillis - faultsStartMillis) / 2;
            Map<String, Object> spec;
            if (!grown && (f.name.equals("soak-a") || halfway)) {
                grown = true;
                spec = Map.of("type", "scale-out", "params", Map.of("groups", List.of(Map.of("id", "g3",
                        "master", f.spare.get(0), "replicas", List.of(f.spare.get(1)), "weight", 1))));
            } else {
                List<String> groups = groupIds(f.name);
                Map<String, Object> weights = new TreeMap<>();
                for (int i = 0; i < groups.size(); i++) {
                    weights.put(groups.get(i), i == n % groups.size() ? 2 : 1);
                }
                // throttled so that moves are under way when faults hit
                spec = Map.of("type", "rebalance", "params", Map.of("weights", weights, "tolerance", 0.02,
                        "maxKeysPerSecond", 1000));
            }
            n++;
            try {
                runJob(f, spec, "soak-" + seed + "-" + f.name + "-" + n);
            } catch (RuntimeException e) {
                log("jobs %s: %s", f.name, e);
                violations.add("job runner " + f.name + ": " + e);
            }
            sleepQuietly(2000);
        }
    }

    private void runJob(Fleet f, Map<String, Object> spec, String idempotencyKey) {
        long started = System.currentTimeMillis();
        String path = "/v1/clusters/" + f.name + "/jobs";
        String id = null;
        String last = "";
        // a busy cluster (409: a child of an earlier job still closing) or a peer without a leader: try again
        while (id == null && !faultsOver) {
            Optional<Http.Response> r = tryRequest("POST", path, spec, Map.of("Idempotency-Key", idempotencyKey));
            if (r.isPresent() && (r.get().status() == 201 || r.get().status() == 200)) {
                id = r.get().json().at("/job/id").asText();
            } else {
                last = r.map(x -> x.status() + " " + x.body()).orElse("no answer");
                if (r.isPresent() && r.get().status() == 422) {
                    throw new IllegalStateException("job refused: " + spec + ": " + last);
                }
                sleepQuietly(1000);
            }
        }
        if (id == null) {
            log("jobs %s: %s not started before the faults ended (last answer: %s)", f.name, spec.get("type"), last);
            return;
        }
        log("jobs %s: started %s %s %s", f.name, id, spec.get("type"), spec.get("params"));
        JsonNode job = awaitJobEnd(id, () -> faultsOver, Long.MAX_VALUE);
        if (!isTerminal(job)) {
            // the faults are over: let it finish for up to 3 min, then cancel it and wait for that
            job = awaitJobEnd(id, () -> false, System.currentTimeMillis() + 180_000);
            if (!isTerminal(job)) {
                log("jobs %s: %s still %s 3 min after the faults: cancelling", f.name, id, state(job));
                tryRequest("POST", "/v1/jobs/" + id + "/cancel", Map.of(), Map.of());
                job = awaitJobEnd(id, () -> false, System.currentTimeMillis() + 120_000);
            }
        }
        JobRun run = new JobRun(f.name, id, String.valueOf(spec.get("type")), String.valueOf(spec.get("params")), started,
                System.currentTimeMillis(), state(job), job == null ? "" : job.at("/job/message").asText());
        jobs.add(run);
        log("jobs %s: %s %s after %d s: %s", f.name, id, run.state(), (run.endMillis() - started) / 1000, run.message());
    }

    private JsonNode awaitJobEnd(String id, BooleanSupplier giveUp, long deadlineMillis) {
        JsonNode job = null;
        while (!giveUp.getAsBoolean() && System.currentTimeMillis() < deadlineMillis) {
            Optional<Http.Response> r = tryRequest("GET", "/v1/jobs/" + id, null, Map.of());
            if (r.isPresent() && r.get().status() == 200) {
                job = r.get().json();
                if (isTerminal(job)) {
                    return job;
                }
            }
            sleepQuietly(1000);
        }
        return job;
    }

    private static boolean isTerminal(JsonNode job) {
        return job != null && TERMINAL.contains(job.at("/job/state").asText());
    }

    private static String state(JsonNode job) {
        return job == null ? "UNKNOWN" : job.at("/job/state").asText();
    }

    // ---- faults ----------------------------------------------------------------------------------

    private void injectFaults() {
        List<String> bag = new ArrayList<>();
        while (true) {
            long pause = 8_000 + rnd.nextInt(12_000);
            if (System.currentTimeMillis() + pause >= faultsEndMillis) {
                sleepQuietly(Math.max(0, faultsEndMillis - System.currentTimeMillis()));
                return;
            }
            sleepQuietly(pause);
            if (bag.isEmpty()) {
                bag.addAll(kinds);
                Collections.shuffle(bag, rnd);
            }
            String kind = bag.remove(0);
            long at = System.currentTimeMillis();
            String[] target = {""};
            String outcome;
            try {
                outcome = switch (kind) {
                    case "master-kill" -> masterKill(target);
                    case "partition" -> partition(target);
                    case "leader-kill" -> peerKill(true, target);
                    case "worker-kill" -> peerKill(false, target);
                    case "proxy-restart" -> proxyRestart(target, true);
                    case "agent-restart" -> proxyRestart(target, false);
                    case "agent-kill" -> agentKill(target);
                    case "temporal-restart" -> temporalRestart(target);
                    default -> throw new IllegalStateException(kind);
                };
            } catch (RuntimeException e) {
                outcome = "ERROR " + e;
                violations.add("fault " + kind + " " + target[0] + ": " + e);
            }
            Fault fault = new Fault(at, System.currentTimeMillis(), kind, target[0], outcome);
            faults.add(fault);
            log("fault %-16s %-34s %s (%d ms)", kind, target[0], outcome, fault.endMillis() - at);
        }
    }

    /**
     * A master to hit, of a group that owns slots and has a replica in sync, so that a failover
     * happens (a group without slots, e.g. one a scale-out has just added, is by design not failed
     * over: {@code -failover-abort-no-slots}); empty when none.
     */
    private Optional<String[]> pickMaster() {
        List<String[]> candidates = new ArrayList<>();
        for (Fleet f : fleets.values()) {
            Set<String> owners = new java.util.HashSet<>();
            for (JsonNode r : request("GET", "/v1/clusters/" + f.name + "/slots", null, Duration.ofSeconds(30)).expect(200)
                    .json()) {
                owners.add(r.path("group").asText());
            }
            for (JsonNode g : clusterJson(f.name).path("groups")) {
                String master = g.at("/master/address").asText();
                if (owners.contains(g.path("id").asText())
                        && (g.path("failover").isNull() || g.path("failover").isMissingNode())) {
                    if (replicaOnline(master)) {
                        candidates.add(new String[] {f.name, g.path("id").asText(), master});
                    }
                }
            }
        }
        return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(rnd.nextInt(candidates.size())));
    }

    private boolean replicaOnline(String master) {
        RedisProcess r = redis.get(master);
        if (r == null || !r.isAlive()) {
            return false;
        }
        try (Jedis j = r.jedis()) {
            return j.info("replication").contains("state=online");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** {@link #pickMaster()}, naming the pick (or "-") in {@code target[0]} for the fault's line. */
    private Optional<String[]> pickTarget(String[] target) {
        Optional<String[]> pick = pickMaster();
        target[0] = pick.map(p -> p[0] + "/" + p[1] + " " + p[2]).orElse("-");
        return pick;
    }

    private String masterKill(String[] target) {
        Optional<String[]> pick = pickTarget(target);
        if (pick.isEmpty()) {
            return "skipped: no master with a replica in sync";
        }
        String cluster = pick.get()[0];
        String group = pick.get()[1];
        String master = pick.get()[2];
        RedisProcess victim = redis.get(master);
        long t = System.currentTimeMillis();
        victim.kill9();
        Optional<String> next = awaitNewMaster(cluster, group, master, Duration.ofSeconds(60));
        String outcome = next.map(m -> "failed over to " + m + " in " + (System.currentTimeMillis() - t) + " ms")
                .orElse("NO FAILOVER within 60 s");
        if (next.isEmpty()) {
            violations.add("master-kill of " + target[0] + ": no failover within 60 s");
        }
        sleepQuietly(2000);
        victim.restart(); // empty (no persistence): the controller points it at the new master
        return outcome + "; restarted";
    }

    private String partition(String[] target) {
        Optional<String[]> pick = pickTarget(target);
        if (pick.isEmpty()) {
            return "skipped: no master with a replica in sync";
        }
        String cluster = pick.get()[0];
        String group = pick.get()[1];
        String master = pick.get()[2];
        Path hook = hooks.resolve("unreachable-" + master);
        long t = System.currentTimeMillis();
        NetLab.Host masterHost = hostOf.get(master);
        if (lab != null && masterHost != null) {
            // the master cut from the peers (and this JVM: the outside) and from its replicas; its proxy still reaches it
            List<NetLab.Host> others = new ArrayList<>(List.of(lab.outside()));
            for (JsonNode g : clusterJson(cluster).path("groups")) {
                if (g.path("id").asText().equals(group)) {
                    g.path("replicas").forEach(r -> Optional.ofNullable(hostOf.get(r.path("address").asText()))
                            .ifPresent(others::add));
                }
            }
            lab.cut(List.of(masterHost), others);
        } else {
            touch(hook);
        }
        Optional<String> next;
        try {
            next = awaitNewMaster(cluster, group, master, Duration.ofSeconds(60));
            sleepQuietly(2000);
        } finally {
            if (lab != null) {
                lab.heal();
            }
            delete(hook);
        }
        if (next.isEmpty()) {
            violations.add("partition of " + target[0] + ": no failover within 60 s");
        }
        return next.map(m -> "failed over to " + m + " in " + (System.currentTimeMillis() - t - 2000) + " ms")
                .orElse("NO FAILOVER within 60 s") + "; healed";
    }

    private String peerKill(boolean leader, String[] target) {
        ServiceProcess victim;
        if (leader) {
            victim = service.waitForLeader(Duration.ofSeconds(60));
        } else {
            List<ServiceProcess> followers = service.followers();
            victim = followers.get(rnd.nextInt(followers.size()));
        }
        target[0] = victim.peerId() + (leader ? " (leader)" : " (worker)");
        long t = System.currentTimeMillis();
        victim.kill9();
        String outcome = "";
        if (leader) {
            ServiceProcess next = service.waitForLeader(Duration.ofSeconds(60));
            outcome = "new leader " + next.peerId() + " in " + (System.currentTimeMillis() - t) + " ms; ";
        }
        sleepQuietly(3000 + rnd.nextInt(3000));
        victim.start();
        victim.waitReady(Duration.ofSeconds(120));
        return outcome + "restarted, ready after " + (System.currentTimeMillis() - t) + " ms";
    }

    /**
     * With {@code nutcrackerToo}, the whole proxy: the agent and its nutcracker stop, a new agent starts a
     * new nutcracker. Without, the agent only (SIGTERM, as a systemd restart with {@code KillMode=process}):
     * its nutcracker keeps serving its last map and the new agent adopts it (docs/agent.md, "The watchdog").
     */
    private String proxyRestart(String[] target, boolean nutcrackerToo) {
        Fleet f = new ArrayList<>(fleets.values()).get(rnd.nextInt(fleets.size()));
        target[0] = f.name + "/p1 " + f.proxyIp + ":" + f.proxyPort;
        long t = System.currentTimeMillis();
        if (nutcrackerToo) {
            f.agent.close();
        } else {
            f.agent.stop();
        }
        f.agent.start();
        awaitTrue("proxy " + target[0] + " back", Duration.ofSeconds(60), () -> pings(f));
        return "serving again after " + (System.currentTimeMillis() - t) + " ms";
    }

    /**
     * kill -9 of an agent, dead for 5–25 s (its nutcracker serves its last map under the watchdog, and
     * slot moves meanwhile must wait for it), then a new agent that adopts that nutcracker or, past its
     * watchdog's deadline, starts one.
     */
    private String agentKill(String[] target) {
        Fleet f = new ArrayList<>(fleets.values()).get(rnd.nextInt(fleets.size()));
        target[0] = f.name + "/p1 " + f.proxyIp + ":" + f.proxyPort;
        long dead = 5000 + rnd.nextInt(20_000);
        f.agent.kill9();
        sleepQuietly(dead);
        long t = System.currentTimeMillis();
        f.agent.start();
        awaitTrue("proxy " + target[0] + " back", Duration.ofSeconds(60), () -> pings(f));
        return "agent dead " + dead + " ms; serving again " + (System.currentTimeMillis() - t) + " ms after its restart";
    }

    private String temporalRestart(String[] target) {
        target[0] = temporal.target();
        long t = System.currentTimeMillis();
        temporal.restart();
        return "serving again after " + (System.currentTimeMillis() - t) + " ms";
    }

    private Optional<String> awaitNewMaster(String cluster, String group, String old, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            Optional<Http.Response> r = tryRequest("GET", "/v1/clusters/" + cluster + "/groups/" + group, null, Map.of());
            if (r.isPresent() && r.get().status() == 200) {
                String now = r.get().json().at("/master/address").asText();
                if (!now.isEmpty() && !now.equals(old)) {
                    return Optional.of(now);
                }
            }
            sleepQuietly(200);
        }
        return Optional.empty();
    }

    /** After the faults: no hook left, every process running. */
    private void heal() {
        if (lab != null) {
            lab.heal();
        }
        try (var files = Files.list(hooks)) {
            files.forEach(ChaosSoak::delete);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (RedisProcess r : redis.values()) {
            if (!r.isAlive()) {
                log("heal: restarting redis %s", r.address());
                r.restart();
            }
        }
        for (ServiceProcess p : service.peers()) {
            if (!p.isRunning()) {
                log("heal: restarting %s", p);
                p.start().waitReady(Duration.ofSeconds(120));
            }
        }
        if (!temporal.isRunning()) {
            temporal.restart();
        }
        for (Fleet f : fleets.values()) {
            if (!f.agent.isRunning()) {
                f.agent.start();
            }
        }
    }

    /** Waits (bounded) until every group has its master and replicas in sync and every proxy serves the map. */
    private void settle() {
        long t = System.currentTimeMillis();
        for (Fleet f : fleets.values()) {
            boolean ok = awaitQuietly(Duration.ofSeconds(120), () -> {
                JsonNode c = clusterJson(f.name);
                for (JsonNode g : c.path("groups")) {
                    String m = g.at("/master/address").asText();
                    for (JsonNode rep : g.path("replicas")) {
                        if (!replicaOf(rep.path("address").asText(), m)) {
                            return false;
                        }
                    }
                }
                return allProxiesServe(f.name, c.path("version").asLong()) && c.path("migrations").isEmpty();
            });
            if (!ok) {
                log("settle: %s not settled within 120 s: %s", f.name, clusterJson(f.name));
            }
        }
        sleepQuietly(5000); // writes on the settled clusters, then the writers stop
        log("settled in %d s", (System.currentTimeMillis() - t) / 1000);
    }

    private boolean replicaOf(String replica, String master) {
        RedisProcess r = redis.get(replica);
        if (r == null || !r.isAlive()) {
            return false;
        }
        try (Jedis j = r.jedis()) {
            String info = j.info("replication");
            return info.contains("master_port:" + master.substring(master.indexOf(':') + 1))
                    && info.contains("master_link_status:up");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private boolean allProxiesServe(String cluster, long version) {
        Optional<Http.Response> r = tryRequest("GET", "/v1/clusters/" + cluster + "/proxies", null, Map.of());
        if (r.isEmpty() || r.get().status() != 200) {
            return false;
        }
        for (JsonNode p : r.get().json()) {
            if (!p.path("standing").asText().equals("SERVING") || p.at("/proxy/servedVersion").asLong() < version) {
                return false;
            }
        }
        return true;
    }

    // ---- the proxy monitor ------------------------------------------------------------------------

    /**
     * Every 500 ms, each proxy's standing against the committed map: a proxy LAGGING (its lease live,
     * an older version) for longer than the lease plus {@link #LAG_SLACK_MILLIS} after the newer version
     * was first seen committed serves an older map than its lease allows.
     */
    private void monitorProxies() {
        while (!monitorStop) {
            for (Fleet f : fleets.values()) {
                Optional<Http.Response> r = tryRequest("GET", "/v1/clusters/" + f.name + "/proxies", null, Map.of());
                if (r.isEmpty() || r.get().status() != 200) {
                    continue;
                }
                long now = System.currentTimeMillis();
                f.proxySamples++;
                for (JsonNode p : r.get().json()) {
                    String id = p.at("/proxy/id").asText();
                    long served = p.at("/proxy/servedVersion").asLong();
                    long behind = p.path("versionsBehind").asLong();
                    long current = served + behind;
                    f.versionSeen.putIfAbsent(current, now);
                    // servedVersion 0: a fresh agent serving nothing yet (no nutcracker): no map at all, not an old one
                    if (p.path("standing").asText().equals("LAGGING") && served > 0) {
                        // lagging since the oldest version newer than what it serves was seen
                        long since = f.versionSeen.entrySet().stream().filter(e -> e.getKey() > served)
                                .mapToLong(Map.Entry::getValue).min().orElse(now);
                        long lag = now - since;
                        f.maxLagMillis = Math.max(f.maxLagMillis, lag);
                        if (lag > LEASE_MILLIS + LAG_SLACK_MILLIS && !f.laggingSince.containsKey(id)) {
                            f.laggingSince.put(id, since);
                            violations.add(String.format("proxy %s/%s at t=%.1fs served version %d with its lease live, "
                                    + "%d ms after a newer version was first seen (lease %d ms)", f.name, id, rel(now), served,
                                    lag, LEASE_MILLIS));
                        }
                    } else {
                        f.laggingSince.remove(id);
                    }
                }
            }
            sleepQuietly(500);
        }
    }

    // ---- checks and report ------------------------------------------------------------------------

    private boolean checkAndReport() throws Exception {
        long endMillis = System.currentTimeMillis();
        System.out.println();
        System.out.println("==== chaos soak report (seed " + seed + ") ====");
        System.out.printf("duration: %.1f min of faults, %.1f min in all%n", (faultsEndMillis - faultsStartMillis) / 60_000.0,
                (endMillis - startMillis) / 60_000.0);
        System.out.println("partitions: " + partitionMode);

        // writes
        long ops = 0;
        long acked = 0;
        for (Fleet f : fleets.values()) {
            DataModel.Writer w = f.writer;
            ops += w.acked.get() + w.refused.get() + w.failed.get();
            acked += w.acked.get();
            System.out.printf("writes %s: %s; %d of %d keys uncertain%n", f.name, w, f.model.uncertainKeys(), f.model.size());
        }
        for (Fleet f : fleets.values()) {
            UniqueWriter u = f.unique;
            ops += u.acked.get() + u.refused.get() + u.failed.get();
            acked += u.acked.get();
            System.out.printf("unique-key SETs %s: %d acknowledged, %d refused with an error reply, %d with no reply%n", f.name,
                    u.acked.get(), u.refused.get(), u.failed.get());
        }
        System.out.printf("operations: %d writes sent, %d acknowledged%n", ops, acked);

        // faults
        Map<String, List<Fault>> byKind = new TreeMap<>();
        for (Fault fault : faults) {
            byKind.computeIfAbsent(fault.kind(), k -> new ArrayList<>()).add(fault);
        }
        System.out.printf("faults: %d%n", faults.size());
        for (String kind : kinds) {
            List<Fault> list = byKind.getOrDefault(kind, List.of());
            System.out.printf("  %-16s %d at %s%n", kind, list.size(), list.stream().map(x -> rel(x.atMillis()) + "s")
                    .toList());
        }
        for (Fault fault : faults) {
            System.out.printf("  t=%6.1fs %-16s %-34s %s%n", rel(fault.atMillis()), fault.kind(), fault.target(),
                    fault.outcome());
        }

        // failovers: the groups' histories
        List<Window> windows = new ArrayList<>();
        int planned = 0;
        for (Fleet f : fleets.values()) {
            for (JsonNode g : clusterJson(f.name).path("groups")) {
                for (JsonNode h : g.path("history")) {
                    if (h.path("planned").asBoolean()) {
                        planned++;
                        continue;
                    }
                    long started = h.path("startedMillis").asLong();
                    long ended = h.path("endedMillis").asLong();
                    windows.add(new Window(f.name, g.path("id").asText(), h.path("from").asText(), h.path("to").asText(),
                            started, ended, started - downAfterMillis - 2000, ended + 2000));
                }
            }
        }
        windows.sort((a, b) -> Long.compare(a.startedMillis(), b.startedMillis()));
        System.out.printf("failovers: %d unplanned, %d planned; events: %s%n", windows.size(), planned, eventCounts());

        // jobs
        Map<String, Integer> outcomes = new TreeMap<>();
        for (JobRun j : jobs) {
            outcomes.merge(j.type() + " " + j.state(), 1, Integer::sum);
        }
        System.out.printf("jobs: %d started by the soak: %s%n", jobs.size(), outcomes);
        for (JobRun j : jobs) {
            System.out.printf("  %s %-28s %-9s %-9s t=%.0f..%.0fs %s %s%n", j.cluster(), j.id(), j.type(), j.state(),
                    rel(j.startMillis()), rel(j.endMillis()), j.params(), j.message());
        }

        // 1a. acknowledged unique-key SETs: each has one exact ack time
        Map<Window, long[]> uniqueLost = new LinkedHashMap<>();
        windows.forEach(w -> uniqueLost.put(w, new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE}));
        Map<String, Integer> outsideBySecond = new TreeMap<>();
        long uniqueLostTotal = 0;
        long uniqueOutside = 0;
        for (Fleet f : fleets.values()) {
            for (long[] miss : f.unique.missing()) {
                uniqueLostTotal++;
                long at = miss[1];
                Optional<Window> in = windows.stream().filter(w -> w.cluster().equals(f.name) && w.contains(at)).findFirst();
                if (in.isPresent()) {
                    long[] c = uniqueLost.get(in.get());
                    c[0]++;
                    c[1] = Math.min(c[1], at);
                    c[2] = Math.max(c[2], at);
                } else {
                    uniqueOutside++;
                    outsideBySecond.merge(String.format("%s t=%.0fs", f.name, Math.floor(rel(at))), 1, Integer::sum);
                }
            }
        }
        System.out.printf("lost acknowledged unique-key SETs: %d (%d outside every failover window)%n", uniqueLostTotal,
                uniqueOutside);
        for (Map.Entry<Window, long[]> e : uniqueLost.entrySet()) {
            Window w = e.getKey();
            long[] c = e.getValue();
            System.out.printf("  window %s/%s %s->%s failover t=%.1f..%.1fs: %d lost of %d acknowledged in the window%s%n",
                    w.cluster(), w.group(), w.from(), w.to(), rel(w.startedMillis()), rel(w.endedMillis()), c[0],
                    fleets.get(w.cluster()).unique.ackedIn(w), c[0] == 0 ? "" : String.format(" (acked t=%.2f..%.2fs)",
                            rel(c[1]), rel(c[2])));
        }
        outsideBySecond.forEach((second, n) -> System.out.printf("  OUTSIDE %s: %d lost%n", second, n));
        check("acknowledged unique-key SETs readable outside failover windows (exact ack times)", uniqueOutside == 0,
                uniqueLostTotal + " lost, " + uniqueOutside + " outside windows");

        // 1b. the mixed-type model: a key is explained when any of its acknowledged writes fell in a window (loose)
        Map<Window, Integer> lostPerWindow = new LinkedHashMap<>();
        windows.forEach(w -> lostPerWindow.put(w, 0));
        List<String> unexplained = new ArrayList<>();
        int lost = 0;
        for (Fleet f : fleets.values()) {
            Map<String, String> wrong = readBack(f);
            for (Map.Entry<String, String> e : wrong.entrySet()) {
                lost++;
                List<Long> times = f.model.ackTimes(e.getKey());
                Optional<Window> in = windows.stream().filter(w -> w.cluster().equals(f.name))
                        .filter(w -> times.stream().anyMatch(w::contains)).findFirst();
                if (in.isPresent()) {
                    lostPerWindow.merge(in.get(), 1, Integer::sum);
                } else {
                    unexplained.add(f.name + " " + e.getValue() + " acked at " + times.stream().map(x -> rel(x) + "s")
                            .toList());
                }
            }
        }
        System.out.printf("keys with lost acknowledged writes: %d (%d outside every failover window)%n", lost,
                unexplained.size());
        for (Map.Entry<Window, Integer> e : lostPerWindow.entrySet()) {
            Window w = e.getKey();
            long ackedIn = ackedIn(fleets.get(w.cluster()), w);
            System.out.printf("  window %s/%s %s->%s failover t=%.1f..%.1fs (window %.1f..%.1fs): %d keys lost, %d writes "
                    + "acknowledged in the window%n", w.cluster(), w.group(), w.from(), w.to(), rel(w.startedMillis()), rel(w.endedMillis()),
                    rel(w.fromMillis()), rel(w.toMillis()), e.getValue(), ackedIn);
        }
        unexplained.stream().limit(20).forEach(u -> System.out.println("  UNEXPLAINED " + u));
        check("mixed-type model: every key right unless one of its writes fell in a failover window", unexplained.isEmpty(),
                lost + " keys wrong, " + unexplained.size() + " with no write in any window");

        // 2. slots
        List<String> slotProblems = new ArrayList<>();
        for (Fleet f : fleets.values()) {
            slotProblems.addAll(slotProblems(f));
        }
        slotProblems.stream().limit(20).forEach(p -> System.out.println("  SLOT " + p));
        check("no slot owned by two groups (map and keys on masters)", slotProblems.isEmpty(),
                slotProblems.size() + " problems");

        // 3. proxies
        List<String> proxyViolations = violations.stream().filter(v -> v.startsWith("proxy ")).toList();
        String lagFigures = fleets.values().stream().map(f -> f.name + " max lag " + f.maxLagMillis + " ms over "
                + f.proxySamples + " samples").toList().toString();
        proxyViolations.stream().limit(10).forEach(v -> System.out.println("  PROXY " + v));
        check("no proxy served an older map than its lease allows", proxyViolations.isEmpty(),
                proxyViolations.size() + " violations; " + lagFigures);
        boolean serving = fleets.values().stream().allMatch(f -> allProxiesServe(f.name, clusterJson(f.name).path("version")
                .asLong()));
        check("every proxy serves the current map at the end", serving, "");

        // 4. jobs, moves, workflows, locks
        List<String> open = new ArrayList<>();
        for (Fleet f : fleets.values()) {
            for (JsonNode j : request("GET", "/v1/clusters/" + f.name + "/jobs", null, Duration.ofSeconds(30)).expect(200)
                    .json()) {
                if (!TERMINAL.contains(j.path("state").asText())) {
                    open.add(f.name + "/" + j.path("id").asText() + " " + j.path("state").asText());
                }
            }
            JsonNode migrations = clusterJson(f.name).path("migrations");
            if (!migrations.isEmpty()) {
                open.add(f.name + " slot moves left: " + migrations);
            }
        }
        List<String> unfinished = jobs.stream().filter(j -> !TERMINAL.contains(j.state())).map(JobRun::id).toList();
        if (!unfinished.isEmpty()) {
            open.add("jobs the soak started that did not end: " + unfinished);
        }
        String running = temporal.cli("workflow", "count", "--query", "ExecutionStatus='Running'").orElse("?").trim();
        Matcher m = Pattern.compile("(\\d+)").matcher(running);
        long runningWorkflows = m.find() ? Long.parseLong(m.group(1)) : -1;
        if (runningWorkflows != 0) {
            open.add("workflows running in Temporal: " + running);
        }
        check("every job finished or cancelled, no slot move left, no workflow running", open.isEmpty(),
                open.isEmpty() ? jobs.size() + " jobs, " + runningWorkflows + " workflows running" : open.toString());
        List<String> locks = new ArrayList<>();
        for (Fleet f : fleets.values()) {
            Optional<Http.Response> r = tryRequest("POST", "/v1/clusters/" + f.name + "/jobs", Map.of("type", "rebalance",
                    "params", Map.of("tolerance", 0.5)), Map.of("Idempotency-Key", "soak-" + seed + "-lock-" + f.name));
            if (r.isEmpty() || (r.get().status() != 201 && r.get().status() != 200)) {
                locks.add(f.name + ": " + r.map(x -> x.status() + " " + x.body()).orElse("no answer"));
                continue;
            }
            String id = r.get().json().at("/job/id").asText();
            JsonNode job = awaitJobEnd(id, () -> false, System.currentTimeMillis() + 120_000);
            if (!"SUCCEEDED".equals(state(job))) {
                locks.add(f.name + ": the lock probe " + id + " ended " + state(job));
            }
        }
        check("no lock left (a new job takes each cluster's lock and succeeds)", locks.isEmpty(), locks.toString());

        // 5. the faults themselves did what they should
        List<String> other = violations.stream().filter(v -> !v.startsWith("proxy ")).toList();
        check("every fault was injected and recovered from (failover came, processes restarted)", other.isEmpty(),
                other.toString());
        check("every fault kind injected at least once", byKind.keySet().containsAll(kinds), "kinds " + byKind.keySet());

        boolean pass = checks.values().stream().allMatch(v -> v.startsWith("PASS"));
        System.out.println("checks:");
        checks.forEach((name, result) -> System.out.println("  " + result + "  " + name));
        System.out.printf("RESULT %s seed=%d minutes=%.1f ops=%d acked=%d faults=%d failovers=%d jobs=%d lost_unique=%d "
                + "lost_unique_outside_windows=%d wrong_keys=%d wrong_keys_outside_windows=%d checks_passed=%d/%d%n",
                pass ? "PASS" : "FAIL", seed, (faultsEndMillis - faultsStartMillis) / 60_000.0, ops, acked, faults.size(),
                windows.size(), jobs.size(), uniqueLostTotal, uniqueOutside, lost, unexplained.size(),
                checks.values().stream().filter(v -> v.startsWith("PASS")).count(), checks.size());
        return pass;
    }

    private void check(String name, boolean ok, String detail) {
        checks.put(name, (ok ? "PASS" : "FAIL") + (detail.isEmpty() ? "" : " (" + detail + ")"));
    }

    /** The model's check through the proxy, retried while the proxy or a master answers errors. */
    private Map<String, String> readBack(Fleet f) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            try (Jedis j = NutcrackerProcess.proxyClient(f.proxyIp, f.proxyPort)) {
                return f.model.differencesByKey(j, 5000);
            } catch (RuntimeException e) {
                last = e;
                sleepQuietly(2000);
            }
        }
        throw new IllegalStateException("cannot read " + f.name + " back through its proxy", last);
    }

    private long ackedIn(Fleet f, Window w) {
        long n = 0;
        for (String k : f.model.keys()) {
            n += f.model.ackTimes(k).stream().filter(w::contains).count();
        }
        return n;
    }

    /** Every slot has exactly one owner, a group of the cluster; every key on a master lies in its group's slots. */
    private List<String> slotProblems(Fleet f) {
        List<String> problems = new ArrayList<>();
        JsonNode c = clusterJson(f.name);
        Map<String, String> masterOf = new HashMap<>();
        for (JsonNode g : c.path("groups")) {
            masterOf.put(g.path("id").asText(), g.at("/master/address").asText());
        }
        String[] owner = new String[Slots.COUNT];
        for (JsonNode r : request("GET", "/v1/clusters/" + f.name + "/slots", null, Duration.ofSeconds(30)).expect(200)
                .json()) {
            String group = r.path("group").asText();
            if (!masterOf.containsKey(group)) {
                problems.add(f.name + ": slots " + r + " owned by an unknown group");
            }
            for (int s = r.path("from").asInt(); s <= r.path("to").asInt(); s++) {
                if (owner[s] != null) {
                    problems.add(f.name + ": slot " + s + " owned by " + owner[s] + " and " + group);
                }
                owner[s] = group;
            }
        }
        for (int s = 0; s < Slots.COUNT; s++) {
            if (owner[s] == null) {
                problems.add(f.name + ": slot " + s + " has no owner");
            }
        }
        for (Map.Entry<String, String> g : masterOf.entrySet()) {
            RedisProcess r = redis.get(g.getValue());
            if (r == null || !r.isAlive()) {
                problems.add(f.name + "/" + g.getKey() + ": master " + g.getValue() + " is not running");
                continue;
            }
            try (Jedis j = r.jedis()) {
                int foreign = 0;
                String example = "";
                for (String k : j.keys("*")) {
                    if (!g.getKey().equals(owner[Slots.slot(k)])) {
                        foreign++;
                        example = k + " (slot " + Slots.slot(k) + " of " + owner[Slots.slot(k)] + ")";
                    }
                }
                if (foreign > 0) {
                    problems.add(f.name + "/" + g.getKey() + ": " + foreign + " keys on master " + g.getValue()
                            + " in slots of other groups, e.g. " + example);
                }
            }
        }
        return problems;
    }

    private String eventCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Fleet f : fleets.values()) {
            long after = 0;
            while (true) {
                JsonNode page = request("GET", "/v1/clusters/" + f.name + "/events?limit=1000&afterSeq=" + after, null,
                        Duration.ofSeconds(30)).expect(200).json();
                if (page.isEmpty()) {
                    break;
                }
                for (JsonNode e : page) {
                    String type = e.path("type").asText();
                    if (type.contains("failover") || type.contains("odown") || type.contains("demoted")
                            || type.contains("proxy")) {
                        counts.merge(type, 1, Integer::sum);
                    }
                    after = Math.max(after, e.path("seq").asLong());
                }
                if (page.size() < 1000) {
                    break;
                }
            }
        }
        return counts.toString();
    }

    /**
     * SETs of unique keys ({@code prefix + n}, value {@code n}) through a proxy, paced at one a millisecond,
     * each acknowledged one remembered with its ack time: a lost one has exactly one time to put in a window.
     * A write counts only on an OK reply; an error reply did nothing; a write with no reply is not counted.
     */
    final class UniqueWriter implements AutoCloseable {
        final java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        private final String host;
        private final int port;
        private final String prefix;
        private long[] ns = new long[1 << 16];
        private long[] ats = new long[1 << 16];
        private int size;
        private volatile boolean stop;
        final Thread thread;

        UniqueWriter(String host, int port, String prefix) {
            this.host = host;
            this.port = port;
            this.prefix = prefix;
            this.thread = daemon("unique-" + prefix, this::run);
        }

        private void run() {
            Jedis j = null;
            long n = 0;
            long next = System.nanoTime();
            while (!stop) {
                long now = System.nanoTime();
                if (now < next) {
                    java.util.concurrent.locks.LockSupport.parkNanos(next - now);
                    continue;
                }
                next = Math.max(next + 1_000_000, now - 1_000_000);
                if (j == null) {
                    try {
                        j = NutcrackerProcess.proxyClient(host, port);
                    } catch (RuntimeException e) {
                        sleepQuietly(20);
                        continue;
                    }
                }
                long k = n++;
                try {
                    if ("OK".equals(j.set(prefix + k, Long.toString(k)))) {
                        record(k, System.currentTimeMillis());
                        acked.incrementAndGet();
                    }
                } catch (JedisDataException e) {
                    refused.incrementAndGet();
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    try {
                        j.close();
                    } catch (RuntimeException ignored) {
                        // broken already
                    }
                    j = null;
                    sleepQuietly(20);
                }
            }
            if (j != null) {
                j.close();
            }
        }

        private synchronized void record(long k, long atMillis) {
            if (size == ns.length) {
                ns = java.util.Arrays.copyOf(ns, size * 2);
                ats = java.util.Arrays.copyOf(ats, size * 2);
            }
            ns[size] = k;
            ats[size] = atMillis;
            size++;
        }

        synchronized long ackedIn(Window w) {
            long c = 0;
            for (int i = 0; i < size; i++) {
                if (w.contains(ats[i])) {
                    c++;
                }
            }
            return c;
        }

        /** Every acknowledged SET not read back as written: {n, ackMillis}. */
        synchronized List<long[]> missing() {
            List<long[]> lost = new ArrayList<>();
            for (int from = 0; from < size; from += 1000) {
                int to = Math.min(size, from + 1000);
                RuntimeException last = null;
                boolean done = false;
                for (int attempt = 0; attempt < 10 && !done; attempt++) {
                    try (Jedis j = NutcrackerProcess.proxyClient(host, port)) {
                        Pipeline p = j.pipelined();
                        List<Response<String>> rs = new ArrayList<>(to - from);
                        for (int i = from; i < to; i++) {
                            rs.add(p.get(prefix + ns[i]));
                        }
                        p.sync();
                        for (int i = from; i < to; i++) {
                            if (!Long.toString(ns[i]).equals(rs.get(i - from).get())) {
                                lost.add(new long[] {ns[i], ats[i]});
                            }
                        }
                        done = true;
                    } catch (RuntimeException e) {
                        last = e;
                        sleepQuietly(1000);
                    }
                }
                if (!done) {
                    throw new IllegalStateException("cannot read unique keys back through " + host + ":" + port, last);
                }
            }
            return lost;
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private JsonNode clusterJson(String name) {
        return request("GET", "/v1/clusters/" + name, null, Duration.ofSeconds(60)).expect(200).json().path("cluster");
    }

    /** A request to any running peer that answers below 500, retried until {@code timeout}. */
    private Http.Response request(String method, String path, Object body, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        Optional<Http.Response> last = Optional.empty();
        while (true) {
            last = tryRequest(method, path, body, Map.of());
            if (last.isPresent() && last.get().status() < 500) {
                return last.get();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(method + " " + path + ": no answer below 500 within " + timeout.toSeconds()
                        + " s (last: " + last.map(r -> r.status() + " " + r.body()).orElse("none") + ")");
            }
            sleepQuietly(300);
        }
    }

    /** One try on each running peer (random order) until one answers below 500; the last answer, if any. */
    private Optional<Http.Response> tryRequest(String method, String path, Object body, Map<String, String> headers) {
        List<ServiceProcess> peers = new ArrayList<>(service.peers().stream().filter(ServiceProcess::isRunning).toList());
        Collections.shuffle(peers);
        Optional<Http.Response> last = Optional.empty();
        for (ServiceProcess p : peers) {
            try {
                Http.Response r = service.http().send(method, p.baseUrl() + path, body, headers);
                last = Optional.of(r);
                if (r.status() < 500) {
                    return last;
                }
            } catch (UncheckedIOException | IllegalStateException e) {
                // not up yet, or gone: the next peer
            }
        }
        return last;
    }

    private List<String> groupIds(String cluster) {
        List<String> ids = new ArrayList<>();
        for (JsonNode g : clusterJson(cluster).path("groups")) {
            ids.add(g.path("id").asText());
        }
        Collections.sort(ids);
        return ids;
    }

    /** Stops every process this soak started (idempotent; also the shutdown hook). */
    void stopEverything() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        monitorStop = true;
        faultsOver = true;
        for (Fleet f : fleets.values()) {
            if (f.agent != null) {
                f.agent.close();
            }
        }
        if (service != null) {
            service.close();
        }
        redis.values().forEach(RedisProcess::close);
        if (temporal != null) {
            temporal.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static boolean pings(Fleet f) {
        try (Jedis j = NutcrackerProcess.proxyClient(f.proxyIp, f.proxyPort)) {
            return "PONG".equals(j.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private double rel(long millis) {
        return (millis - startMillis) / 1000.0;
    }

    private void log(String format, Object... args) {
        System.out.printf("[%7.1fs] %s%n", rel(System.currentTimeMillis()), String.format(format, args));
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
        if (!awaitQuietly(timeout, condition)) {
            throw new IllegalStateException(what + ": not within " + timeout.toSeconds() + " s");
        }
    }

    private static boolean awaitQuietly(Duration timeout, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            sleepQuietly(250);
        }
        return false;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void touch(Path p) {
        try {
            Files.writeString(p, "soak");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
