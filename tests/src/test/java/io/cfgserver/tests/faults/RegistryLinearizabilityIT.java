package io.cfgserver.tests.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cfgserver.testing.Placement;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NetLab;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry operations through the public API are linearizable, across kills, pauses, network
 * partitions and packet loss between peers, with one peer's wall clock skewed (docs/reliability.md). The register is one policy field, {@code downAfterMillis}, of a dedicated
 * cluster: reads are {@code GET .../policy} (linearizable by default), writes {@code PUT .../policy},
 * compare-and-set {@code PUT .../policy} with {@code "expect"}. Several clients, each sending every
 * request to a random peer with a short timeout, record each operation's call and return (or that
 * its outcome is unknown); a nemesis meanwhile, in turn, kills -9 and restarts a peer, SIGSTOPs one
 * for 1–3 s, cuts one off from the other peers (both ways) or drops what it sends them (one way),
 * or drops 30 % of the packets reaching it, each for 1–3 s and the leader often. Every peer runs in
 * a network namespace of its own ({@link NetLab}); the clients (this JVM) always reach every peer,
 * so a cut-off peer keeps answering them as best it can. Peer p3's wall clock runs
 * {@link #P3_CLOCK_OFFSET_MILLIS} behind (libfaketime): nothing in the registry may depend on
 * wall clocks agreeing. Porcupine (tests/linearizability, built here with {@code go build})
 * then checks the history.
 *
 * <p>{@code -Dlinearizability.seconds=N} (default 60) runs the workload longer;
 * {@code -Dlinearizability.clients=N} (default 5) changes the number of clients;
 * {@code -Dlinearizability.reads=local} is the negative control (see {@link #READ_QUERY}). The history and
 * the checker's verdict are kept in {@code tests/target/linearizability/}.
 */
@Timeout(900)
class RegistryLinearizabilityIT {
    static final String CLUSTER = "lin";
    static final long[] VALUES = {1000, 1100, 1200, 1300, 1400};
    static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(3);
    static final long P3_CLOCK_OFFSET_MILLIS = -7_500;
    /** How long past the nominal end the nemesis may go on to get every kind of fault in. */
    static final long NEMESIS_GRACE_SECONDS = 180;
    /**
     * {@code -Dlinearizability.reads=local} reads with {@code ?consistency=local} (a peer's own view,
     * not linearizable): a control that shows the checker catching stale reads; the test then fails.
     */
    static final String READ_QUERY = System.getProperty("linearizability.reads", "").equals("local")
            ? "?consistency=local" : "";

    @TempDir
    static Path tmp;
    static NetLab lab;
    static final Map<String, NetLab.Host> HOSTS = new ConcurrentHashMap<>();
    static RedisProcess redis;
    static ServiceCluster registry;

    @BeforeAll
    static void start() {
        assertThat(NetLab.unavailable()).as("network namespaces (run deploy/test.sh as root: it installs nftables)").isEmpty();
        assertThat(Path.of(Placement.LIBFAKETIME)).as("libfaketime (apt-get install faketime)").exists();
        lab = NetLab.create();
        redis = RedisProcess.start(tmp.resolve("redis"), lab.host("redis").placement());
        registry = ServiceCluster.builder().dir(tmp.resolve("registry"))
                .temporalTarget("127.0.0.1:" + LoopbackPorts.next())
                .placeEach(id -> {
                    Placement where = HOSTS.computeIfAbsent(id, lab::host).placement();
                    return id.equals("p3") ? where.withClockOffset(P3_CLOCK_OFFSET_MILLIS) : where;
                })
                .start();
        registry.http().post(url("/v1/clusters"), Map.of("name", CLUSTER,
                "groups", List.of(Map.of("id", "g1", "master", redis.address(), "replicas", List.of())),
                "proxies", List.of(Map.of("id", "p1", "listen", "127.0.0.1:" + LoopbackPorts.next())))).expect(201);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.peers().forEach(p -> signal(p, "CONT"));
            registry.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    static String url(String path) {
        return registry.any().baseUrl() + path;
    }

    @Test
    void policyCompareAndSetAppliesOnlyWhenItsExpectationHolds() {
        Http http = registry.http();
        String policy = url("/v1/clusters/" + CLUSTER + "/policy");
        long now = http.get(policy).expect(200).json().path("downAfterMillis").asLong();
        Http.Response refused = http.put(policy, Map.of("expect", Map.of("downAfterMillis", now + 1),
                "downAfterMillis", 4321));
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.body()).contains("downAfterMillis is " + now + ", expected " + (now + 1))
                .contains("nothing was changed");
        assertThat(http.get(policy).expect(200).json().path("downAfterMillis").asLong()).isEqualTo(now);

        http.put(policy, Map.of("expect", Map.of("downAfterMillis", now), "downAfterMillis", 4321)).expect(200);
        assertThat(http.get(policy).expect(200).json().path("downAfterMillis").asLong()).isEqualTo(4321);

        assertThat(http.put(policy, Map.of("expect", 5, "downAfterMillis", 1000)).status()).isEqualTo(400);
        assertThat(http.put(policy, Map.of("expect", Map.of(), "downAfterMillis", 1000)).status()).isEqualTo(400);
        Http.Response unknown = http.put(policy, Map.of("expect", Map.of("nope", 1), "downAfterMillis", 1000));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body()).contains("unknown policy field 'nope' in expect");
        http.put(policy, Map.of("downAfterMillis", now)).expect(200);
    }

    @Test
    void policyReadsWritesAndCompareAndSetsAreLinearizableWhilePeersAreKilledAndPaused() throws Exception {
        long seconds = Long.getLong("linearizability.seconds", 60);
        int clients = Integer.getInteger("linearizability.clients", 5);
        Path out = Files.createDirectories(Path.of("target", "linearizability").toAbsolutePath());
        Path checker = buildChecker(out);

        String policyPath = "/v1/clusters/" + CLUSTER + "/policy";
        registry.http().put(url(policyPath), Map.of("downAfterMillis", VALUES[0])).expect(200);
        long init = registry.http().get(url(policyPath)).expect(200).json().path("downAfterMillis").asLong();

        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        List<String> history = Collections.synchronizedList(new ArrayList<>());
        Counts counts = new Counts();
        Nemesis nemesis = new Nemesis(end, end + TimeUnit.SECONDS.toNanos(NEMESIS_GRACE_SECONDS));
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(new Thread(() -> runClient(client, policyPath, t0, nemesis, history, counts), "lin-client-" + c));
        }
        Thread nemesisThread = new Thread(nemesis::run, "lin-nemesis");
        threads.forEach(Thread::start);
        nemesisThread.start();
        nemesisThread.join(TimeUnit.SECONDS.toMillis(seconds + NEMESIS_GRACE_SECONDS) + 120_000);
        for (Thread t : threads) {
            t.join(60_000);
        }
        registry.peers().forEach(p -> signal(p, "CONT"));
        assertThat(nemesis.error).as("the nemesis failed").isNull();

        Path historyFile = out.resolve("history-" + System.currentTimeMillis() + ".jsonl");
        List<String> lines = new ArrayList<>();
        lines.add("{\"init\":" + init + "}");
        synchronized (history) {
            lines.addAll(history);
        }
        Files.write(historyFile, lines, StandardCharsets.UTF_8);

        Path html = out.resolve(historyFile.getFileName().toString().replace(".jsonl", "-anomaly.html"));
        long c0 = System.nanoTime();
        Process check = new ProcessBuilder(checker.toString(), "-history", historyFile.toString(), "-html", html.toString(),
                "-timeout", "5m").redirectErrorStream(true).start();
        String verdict = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int exit = check.waitFor();
        long checkMillis = (System.nanoTime() - c0) / 1_000_000;

        System.out.println("linearizability: " + seconds + " s, " + clients + " clients; ops ok=" + counts.ok
                + " (reads " + counts.reads + ", writes " + counts.writes + ", cas swapped " + counts.swapped
                + ", cas refused " + counts.refused + ") failed=" + counts.failed + " indeterminate=" + counts.unknown
                + "; faults: kills=" + nemesis.kills + " (leader " + nemesis.leaderKills + ") pauses=" + nemesis.pauses
                + " (leader " + nemesis.leaderPauses + ") cuts=" + nemesis.cuts + " one-way=" + nemesis.oneWay
                + " loss=" + nemesis.losses + " (leader " + nemesis.leaderNetFaults + "); checker exit " + exit + " in " + checkMillis + " ms: " + verdict
                + "; history " + historyFile);

        assertThat(exit).as("Porcupine's verdict on %s: %s", historyFile, verdict).isEqualTo(0);
        assertThat(verdict).startsWith("verdict=linearizable");
        // not vacuous: the history has substance, and each kind of fault happened
        assertThat(counts.ok.get()).as("operations with a known result").isGreaterThanOrEqualTo(100);
        assertThat(counts.writes.get() + counts.swapped.get()).as("acknowledged changes").isGreaterThanOrEqualTo(20);
        assertThat(counts.reads.get()).as("reads with a value").isGreaterThanOrEqualTo(20);
        assertThat(nemesis.kills.get()).as("peers killed -9 and restarted").isGreaterThanOrEqualTo(1);
        assertThat(nemesis.pauses.get()).as("peers paused and resumed").isGreaterThanOrEqualTo(1);
        assertThat(nemesis.cuts.get()).as("peers cut off from the others").isGreaterThanOrEqualTo(1);
        assertThat(nemesis.oneWay.get()).as("peers whose packets to the others were dropped").isGreaterThanOrEqualTo(1);
        assertThat(nemesis.losses.get()).as("peers losing packets").isGreaterThanOrEqualTo(1);
        // and the registry is whole again: every peer answers and one leader is agreed
        for (ServiceProcess p : registry.peers()) {
            p.waitReady(ServiceCluster.READY_TIMEOUT);
        }
        registry.waitForLeader(ServiceCluster.LEADER_TIMEOUT);
    }

    // ---- the clients -----------------------------------------------------------------------

    static final class Counts {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger swapped = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger unknown = new AtomicInteger();
    }

    /** How a request ended: an HTTP answer, or no answer (sent or not). */
    record Answer(int status, JsonNode body, boolean notSent) {
        static Answer unknown() {
            return new Answer(-1, null, false);
        }
    }

    static void runClient(int client, String policyPath, long t0, Nemesis nemesis, List<String> history, Counts counts) {
        Http http = registry.http().timeout(CLIENT_TIMEOUT);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long lastRead = VALUES[0];
        while (!nemesis.finished) {
            ServiceProcess peer = registry.peers().get(random.nextInt(registry.peers().size()));
            String url = peer.baseUrl() + policyPath;
            ObjectNode record = Http.mapper().createObjectNode().put("client", client);
            int dice = random.nextInt(10);
            long call = System.nanoTime() - t0;
            if (dice < 4) {
                record.put("kind", "read");
                Answer a = send(http, "GET", url + READ_QUERY, null);
                long ret = System.nanoTime() - t0;
                if (a.status() == 200) {
                    lastRead = a.body().path("downAfterMillis").asLong();
                    record.put("value", lastRead);
                    counts.reads.incrementAndGet();
                }
                outcome(record, a, call, ret, counts);
            } else if (dice < 7) {
                long value = VALUES[random.nextInt(VALUES.length)];
                record.put("kind", "write").put("value", value);
                Answer a = send(http, "PUT", url, Map.of("downAfterMillis", value));
                long ret = System.nanoTime() - t0;
                if (a.status() == 200) {
                    counts.writes.incrementAndGet();
                }
                outcome(record, a, call, ret, counts);
            } else {
                // mostly from the value last read, so that some swaps succeed
                long from = random.nextInt(3) < 2 ? lastRead : VALUES[random.nextInt(VALUES.length)];
                long to = VALUES[random.nextInt(VALUES.length)];
                record.put("kind", "cas").put("from", from).put("to", to);
                Answer a = send(http, "PUT", url, Map.of("expect", Map.of("downAfterMillis", from), "downAfterMillis", to));
                long ret = System.nanoTime() - t0;
                if (a.status() == 200 || a.status() == 409) {
                    record.put("swapped", a.status() == 200);
                    (a.status() == 200 ? counts.swapped : counts.refused).incrementAndGet();
                    a = new Answer(200, a.body(), false);
                }
                outcome(record, a, call, ret, counts);
            }
            history.add(record.toString());
            if (!record.path("outcome").asText().equals("ok")) {
                sleep(Duration.ofMillis(50)); // a peer down answers at once: do not flood the history
            }
        }
    }

    /** The nemesis' schedule and the clients' back-off: times chosen, not waits for a condition. */
    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * 200: a known result. No connection made, or a read that failed, or a 4xx: known to have had no
     * effect. No answer, or a 5xx to a change: unknown (the registry may have applied it).
     */
    static void outcome(ObjectNode record, Answer a, long call, long ret, Counts counts) {
        record.put("call", call);
        boolean read = record.path("kind").asText().equals("read");
        if (a.status() == 200) {
            record.put("return", ret).put("outcome", "ok");
            counts.ok.incrementAndGet();
        } else if (a.notSent() || (a.status() >= 400 && a.status() < 500) || (read && a.status() > 0)) {
            record.put("return", ret).put("outcome", "fail").put("status", a.status());
            counts.failed.incrementAndGet();
        } else {
            record.put("outcome", "unknown").put("status", a.status());
            counts.unknown.incrementAndGet();
        }
    }

    static Answer send(Http http, String method, String url, Object body) {
        try {
            Http.Response r = http.send(method, url, body);
            JsonNode json = null;
            if (r.status() == 200) {
                json = r.json();
            }
            return new Answer(r.status(), json, false);
        } catch (UncheckedIOException e) {
            Throwable cause = e.getCause();
            // refused, or no connection within the connect timeout: the request never left
            boolean notSent = cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException;
            return new Answer(-1, null, notSent);
        }
    }

    // ---- the nemesis -----------------------------------------------------------------------

    /**
     * Every 2–4 s one fault, one at a time (a majority stays up), the kinds in turn: kill -9 a peer,
     * let it be gone 1–2 s, restart it and wait until it answers; SIGSTOP a peer for 1–3 s, then
     * SIGCONT; cut a peer off from the other peers both ways; drop what a peer sends the others (one
     * way); drop 30 % of the packets reaching a peer; each network fault for 1–3 s, then healed.
     * Half of the faults hit the leader. It goes on past the workload's nominal end until every kind
     * has happened once (a restart takes 20–40 s on a loaded machine, and a CI run once ended its
     * 60 s with no loss fault), but not past {@code hardEnd}; the clients run as long as it does.
     */
    static final class Nemesis {
        final long end;
        final long hardEnd;
        volatile boolean finished;
        final AtomicInteger kills = new AtomicInteger();
        final AtomicInteger leaderKills = new AtomicInteger();
        final AtomicInteger pauses = new AtomicInteger();
        final AtomicInteger leaderPauses = new AtomicInteger();
        final AtomicInteger cuts = new AtomicInteger();
        final AtomicInteger oneWay = new AtomicInteger();
        final AtomicInteger losses = new AtomicInteger();
        final AtomicInteger leaderNetFaults = new AtomicInteger();
        final Map<String, Integer> byPeer = new ConcurrentHashMap<>();
        volatile Throwable error;

        Nemesis(long end, long hardEnd) {
            this.end = end;
            this.hardEnd = hardEnd;
        }

        boolean everyKindHappened() {
            return kills.get() > 0 && pauses.get() > 0 && cuts.get() > 0 && oneWay.get() > 0 && losses.get() > 0;
        }

        boolean goOn() {
            long now = System.nanoTime();
            return now < hardEnd && (now < end || !everyKindHappened());
        }

        void run() {
            try {
                faults();
            } finally {
                finished = true;
            }
        }

        void faults() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int kind = random.nextInt(5);
            try {
                while (goOn()) {
                    sleep(Duration.ofMillis(2000 + random.nextInt(2000)));
                    if (!goOn()) {
                        break;
                    }
                    Optional<ServiceProcess> leader = leader();
                    boolean atLeader = leader.isPresent() && random.nextBoolean();
                    ServiceProcess victim = atLeader ? leader.get()
                            : registry.peers().get(random.nextInt(registry.peers().size()));
                    atLeader = leader.isPresent() && leader.get() == victim;
                    byPeer.merge(victim.peerId(), 1, Integer::sum);
                    if (kind % 5 == 0) {
                        victim.kill9();
                        kills.incrementAndGet();
                        if (atLeader) {
                            leaderKills.incrementAndGet();
                        }
                        System.out.println("nemesis: kill -9 " + victim.peerId() + (atLeader ? " (leader)" : ""));
                        sleep(Duration.ofMillis(1000 + random.nextInt(1000)));
                        victim.start();
                        victim.waitReady(ServiceCluster.READY_TIMEOUT);
                        System.out.println("nemesis: " + victim.peerId() + " restarted");
                    } else if (kind % 5 >= 2) {
                        long millis = 1000 + random.nextInt(2000);
                        NetLab.Host cut = HOSTS.get(victim.peerId());
                        List<NetLab.Host> others = HOSTS.values().stream().filter(h -> h != cut).toList();
                        String what;
                        if (kind % 5 == 2) {
                            lab.cut(List.of(cut), others);
                            cuts.incrementAndGet();
                            what = "cut off from the other peers";
                        } else if (kind % 5 == 3) {
                            others.forEach(o -> lab.cutOneWay(cut, o));
                            oneWay.incrementAndGet();
                            what = "cannot send to the other peers";
                        } else {
                            lab.loss(cut, 30);
                            losses.incrementAndGet();
                            what = "loses 30 % of what reaches it";
                        }
                        if (atLeader) {
                            leaderNetFaults.incrementAndGet();
                        }
                        System.out.println("nemesis: " + victim.peerId() + (atLeader ? " (leader) " : " ") + what
                                + " for " + millis + " ms");
                        sleep(Duration.ofMillis(millis));
                        lab.heal();
                    } else {
                        long millis = 1000 + random.nextInt(2000);
                        signal(victim, "STOP");
                        pauses.incrementAndGet();
                        if (atLeader) {
                            leaderPauses.incrementAndGet();
                        }
                        System.out.println("nemesis: SIGSTOP " + victim.peerId() + (atLeader ? " (leader)" : "")
                                + " for " + millis + " ms");
                        sleep(Duration.ofMillis(millis));
                        signal(victim, "CONT");
                    }
                    kind++;
                }
            } catch (Throwable t) {
                error = t;
            }
        }

        /** The peer that the running peers name as leader, if they agree now (no waiting). */
        static Optional<ServiceProcess> leader() {
            List<String> named = new ArrayList<>();
            for (ServiceProcess p : registry.peers()) {
                p.registryInfo().map(i -> i.path("leaderId").asText("")).filter(s -> !s.isEmpty()).ifPresent(named::add);
            }
            if (named.isEmpty() || named.stream().distinct().count() != 1) {
                return Optional.empty();
            }
            return registry.peers().stream().filter(p -> p.peerId().equals(named.get(0)) && p.isRunning()).findFirst();
        }
    }

    static void signal(ServiceProcess peer, String signal) {
        if (!peer.isRunning()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(peer.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + peer.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- the checker -----------------------------------------------------------------------

    /** {@code go build} of tests/linearizability into {@code out}; Go from PATH, GO_BIN or /usr/local/go. */
    static Path buildChecker(Path out) throws IOException, InterruptedException {
        Path source = null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("tests/linearizability/go.mod"))) {
                source = dir.resolve("tests/linearizability");
                break;
            }
        }
        assertThat(source).as("tests/linearizability/go.mod above %s", Path.of("").toAbsolutePath()).isNotNull();
        Path binary = out.resolve("checker");
        Process build = new ProcessBuilder(goBinary(), "build", "-o", binary.toString(), ".")
                .directory(source.toFile()).redirectErrorStream(true).start();
        String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor(300, TimeUnit.SECONDS)).as("go build finished").isTrue();
        assertThat(build.exitValue()).as("go build of %s: %s", source, output).isEqualTo(0);
        return binary;
    }

    static String goBinary() {
        String env = System.getenv("GO_BIN");
        if (env != null && !env.isBlank()) {
            return env;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "go"))) {
                return Path.of(dir, "go").toString();
            }
        }
        for (String candidate : List.of("/usr/local/go/bin/go", System.getProperty("user.home") + "/go/bin/go")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("go not found (PATH, GO_BIN, /usr/local/go/bin): deploy/install-prereqs.sh"
                + " --for-tests installs it");
    }
}
