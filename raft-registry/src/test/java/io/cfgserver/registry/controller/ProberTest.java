package io.cfgserver.registry.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.SetPolicy;
import io.cfgserver.registry.statemachine.Transitions;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.RegistryState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The prober against real sockets on 127.0.0.1: what kind of failure each server behaviour is. */
class ProberTest {
    static final ControllerConfig CONFIG = new ControllerConfig(Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(5));
    static final String INFO_MASTER = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:42\r\n";

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger oks = new AtomicInteger();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
    }

    /** A prober of one group whose master is {@code a}. */
    Prober probing(Address a) {
        RegistryState s = Transitions.apply(RegistryState.empty(),
                new CreateCluster("c", List.of(new GroupSpec("g1", a, List.of())), List.of(), 1)).state();
        Prober p = new Prober(() -> s, CONFIG, System::nanoTime, FaultHooks.none()).observe(new ControllerObserver() {
            @Override
            public void probed(Address address, boolean ok, long latencyNanos) {
                (ok ? oks : failures).incrementAndGet();
            }
        }).start();
        cleanup.add(p);
        return p;
    }

    static Address loopback(int port) {
        return new Address("127.0.0.1", port);
    }

    /** A port nothing listens on. */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    ProbeResult lastFailure(Prober p, Address a) {
        await().atMost(Duration.ofSeconds(5)).until(() -> p.view(a).map(Prober.View::last).filter(r -> !r.ok()).isPresent());
        return p.view(a).orElseThrow().last();
    }

    @Test
    void aPortNothingListensOnIsARefusal() throws IOException {
        Address a = loopback(closedPort());
        Prober p = probing(a);
        ProbeResult r = lastFailure(p, a);
        assertThat(r.failure()).isEqualTo(ProbeFailure.REFUSED);
        assertThat(p.view(a).orElseThrow().refusedOnly()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> p.refusedDown(a, 150));
        assertThat(p.answer("refused " + a + " 150")).startsWith("down ");
        assertThat(p.answer("sdown " + a + " 60000")).startsWith("up ");
        assertThat(p.refusedDown(a, 60_000)).isFalse();
    }

    @Test
    void aServerThatAcceptsThenClosesIsARefusal() throws IOException {
        Server s = server(in -> null); // accepts, closes at once
        Prober p = probing(s.address());
        assertThat(lastFailure(p, s.address()).failure()).isEqualTo(ProbeFailure.REFUSED);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.refusedDown(s.address(), 100));
    }

    @Test
    void aServerThatNeverAnswersIsATimeoutNotARefusal() throws IOException {
        Server s = server(in -> "");  // reads, never answers
        Prober p = probing(s.address());
        ProbeResult r = lastFailure(p, s.address());
        assertThat(r.failure()).isEqualTo(ProbeFailure.TIMEOUT);
        assertThat(r.error()).contains("no reply within 200 ms");
        assertThat(p.view(s.address()).orElseThrow().refusedOnly()).isFalse();
        assertThat(p.refusedDown(s.address(), 0)).isFalse();
        assertThat(p.answer("refused " + s.address() + " 0")).startsWith("up ");
    }

    @Test
    void refusalsAfterATimeoutCountOnceTheirRunIsLongEnough() throws IOException {
        Server s = server(in -> "");  // a hung process first: timeouts
        Prober p = probing(s.address());
        assertThat(lastFailure(p, s.address()).failure()).isEqualTo(ProbeFailure.TIMEOUT);
        s.close(); // then it dies, its host alive: refusals
        await().atMost(Duration.ofSeconds(5)).until(() -> p.view(s.address()).map(v -> v.last().failure())
                .orElse(null) == ProbeFailure.REFUSED);
        Prober.View v = p.view(s.address()).orElseThrow();
        assertThat(v.refusedOnly()).as("a timeout came first in this episode").isFalse();
        assertThat(v.refusedSinceNanos()).isNotEqualTo(Prober.View.NOT_REFUSED);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.refusedDown(s.address(), 300));
    }

    @Test
    void anErrorReplyIsALiveProcessNeverARefusal() throws IOException {
        Server s = server(cmd -> "-LOADING Redis is loading the dataset in memory\r\n");
        Prober p = probing(s.address());
        ProbeResult r = lastFailure(p, s.address());
        assertThat(r.failure()).isEqualTo(ProbeFailure.ERROR_REPLY);
        assertThat(r.error()).contains("LOADING");
        assertThat(p.view(s.address()).orElseThrow().refusedOnly()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> p.sdown(s.address(), 300));
        assertThat(p.refusedDown(s.address(), 0)).isFalse();
    }

    @Test
    void aValidReplyIsParsedAndOneConnectionIsKept() throws IOException {
        Server s = server(ProberTest::redis);
        Prober p = probing(s.address());
        await().atMost(Duration.ofSeconds(5)).until(() -> oks.get() >= 5);
        ProbeResult r = p.view(s.address()).orElseThrow().last();
        assertThat(r.ok()).isTrue();
        assertThat(r.failure()).isNull();
        assertThat(r.isMaster()).isTrue();
        assertThat(r.offset()).isEqualTo(42);
        assertThat(s.accepted.get()).isEqualTo(1);
        assertThat(failures.get()).isZero();
        assertThat(p.view(s.address()).orElseThrow().usage()).isNotNull();
        assertThat(p.refusedDown(s.address(), 0)).isFalse();
    }

    @Test
    void aKilledProcessIsARefusalOnTheKeptOpenConnectionToo() throws IOException {
        Server s = server(ProberTest::redis);
        Prober p = probing(s.address());
        await().atMost(Duration.ofSeconds(5)).until(() -> oks.get() >= 2);
        s.close(); // the listener and every accepted connection: a kill -9 of the process, its host alive
        ProbeResult r = lastFailure(p, s.address());
        assertThat(r.failure()).isEqualTo(ProbeFailure.REFUSED);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.refusedDown(s.address(), 100));
    }

    @Test
    void aServerThatClosesIdleConnectionsIsReconnectedWithinTheSameProbe() throws IOException {
        Server s = server(ProberTest::redis);
        s.closeAfterEachReply = true; // like Redis' timeout closing idle clients
        Prober p = probing(s.address());
        await().atMost(Duration.ofSeconds(5)).until(() -> oks.get() >= 5);
        assertThat(failures.get()).isZero();
        assertThat(s.accepted.get()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void aSlowServerIsATimeoutThenItsLateReplyCountsOnTheSameConnection() throws IOException {
        Server s = server(cmd -> {
            if (cmd.startsWith("PING")) {
                pause(350); // longer than the 200 ms probe timeout, shorter than the 1 s a connection waits
            }
            return redis(cmd);
        });
        Prober p = probing(s.address());
        assertThat(lastFailure(p, s.address()).failure()).isEqualTo(ProbeFailure.TIMEOUT);
        await().atMost(Duration.ofSeconds(5)).until(() -> oks.get() >= 2);
        assertThat(p.view(s.address()).orElseThrow().last().ok()).isTrue();
        assertThat(s.accepted.get()).as("a busy server is not reconnected").isEqualTo(1);
    }

    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void refusedOnlyEndsWithAFailureOfAnotherKind() throws IOException {
        int port = closedPort();
        Address a = loopback(port);
        Prober p = probing(a);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.view(a).map(Prober.View::refusedOnly).orElse(false));
        Server silent = server(port, in -> ""); // the same port now accepts and never answers
        await().atMost(Duration.ofSeconds(5)).until(() -> p.view(a).map(v -> v.last().failure() == ProbeFailure.TIMEOUT)
                .orElse(false));
        assertThat(p.view(a).orElseThrow().refusedOnly()).isFalse();
        assertThat(p.refusedDown(a, 0)).isFalse();
        silent.close();
    }

    @Test
    void replicasAreProbedAtTheirPolicyPeriodAndFastAgainWhileTheirMasterFails() throws IOException {
        AtomicInteger masterPings = new AtomicInteger();
        AtomicInteger replicaPings = new AtomicInteger();
        Server master = server(cmd -> {
            if (cmd.equals("PING")) {
                masterPings.incrementAndGet();
            }
            return redis(cmd);
        });
        Server replica = server(cmd -> {
            if (cmd.equals("PING")) {
                replicaPings.incrementAndGet();
            }
            return redis(cmd);
        });
        RegistryState created = Transitions.apply(RegistryState.empty(), new CreateCluster("c",
                List.of(new GroupSpec("g1", master.address(), List.of(replica.address()))), List.of(), 1)).state();
        Policy slowReplicas = Policy.defaults().merged(java.util.Map.of("replicaProbePeriodMillis",
                com.fasterxml.jackson.databind.node.LongNode.valueOf(400)));
        assertThat(slowReplicas.problems()).isEmpty();
        RegistryState s = Transitions.apply(created, new SetPolicy("c", slowReplicas, 2)).state();
        Prober p = new Prober(() -> s, CONFIG, System::nanoTime, FaultHooks.none()).start();
        cleanup.add(p);
        pause(2000);
        int m = masterPings.get();
        int r = replicaPings.get();
        assertThat(m).as("master every 50 ms").isBetween(18, 45);
        assertThat(r).as("replica every 400 ms").isBetween(2, 8);
        master.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> p.view(master.address()).map(v -> !v.last().ok()).orElse(false));
        int before = replicaPings.get();
        pause(1000);
        assertThat(replicaPings.get() - before).as("replica as often as the master while it fails").isGreaterThan(8);
    }

    @Test
    void aReplicaProbePeriodLongerThanHalfOfDownAfterIsRefused() {
        Policy p = Policy.defaults().merged(java.util.Map.of("replicaProbePeriodMillis",
                com.fasterxml.jackson.databind.node.LongNode.valueOf(600)));
        assertThat(p.problems()).singleElement().asString().contains("replicaProbePeriodMillis must be 0")
                .contains("half of downAfterMillis (500)");
    }

    @Test
    void unknownInstancesAndQuestionsAreNeitherDownNorRefused() {
        Prober p = probing(loopback(1));
        Address other = Address.parse("127.0.0.2:7000");
        assertThat(p.refusedDown(other, 0)).isFalse();
        assertThat(p.answer("refused " + other + " 0")).isEqualTo("up -1");
        assertThat(p.answer("what " + other + " 0")).isEqualTo("unknown-question");
        assertThat(p.answer("refused nonsense")).isEqualTo("unknown-question");
    }

    @Test
    void parsesReplicationFieldsOfAReplica() {
        ProbeResult r = Prober.parse("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\n"
                + "master_link_status:down\r\nmaster_link_down_since_seconds:7\r\nslave_repl_offset:123\r\n"
                + "master_repl_offset:999\r\n", 5);
        assertThat(r.role()).isEqualTo(ProbeRole.REPLICA);
        assertThat(r.masterOf()).isEqualTo(Address.parse("10.0.0.1:6379"));
        assertThat(r.linkUp()).isFalse();
        assertThat(r.linkDownSeconds()).isEqualTo(7);
        assertThat(r.offset()).isEqualTo(123);
        assertThat(Prober.infoFields("# Server\nredis_version:7.0.15\n\nrole:master\n")).containsEntry("role", "master")
                .containsEntry("redis_version", "7.0.15").hasSize(2);
    }

    // ---- tiny blocking servers ---------------------------------------------------------------------

    /** A Redis that answers PING and INFO. */
    static String redis(String command) {
        if (command.startsWith("PING")) {
            return "+PONG\r\n";
        }
        String body = command.equals("INFO replication") ? INFO_MASTER
                : command.equals("INFO memory") ? "# Memory\r\nused_memory:1000\r\nmaxmemory:0\r\n"
                : "# Clients\r\nconnected_clients:3\r\n";
        return "$" + body.length() + "\r\n" + body + "\r\n";
    }

    Server server(Function<String, String> answer) throws IOException {
        return server(0, answer);
    }

    Server server(int port, Function<String, String> answer) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        Server s = new Server(ss, answer);
        cleanup.add(s);
        return s;
    }

    /**
     * Accepts connections; per command ({@code *N} and N bulk strings, joined by spaces) writes
     * {@code answer(command)}: null closes the connection at once (before reading), "" never answers.
     */
    static final class Server implements AutoCloseable {
        final ServerSocket socket;
        final Function<String, String> answer;
        final AtomicInteger accepted = new AtomicInteger();
        final List<Socket> open = new CopyOnWriteArrayList<>();
        volatile boolean closeAfterEachReply;

        Server(ServerSocket socket, Function<String, String> answer) {
            this.socket = socket;
            this.answer = answer;
            Thread t = new Thread(this::accept, "test-server");
            t.setDaemon(true);
            t.start();
        }

        Address address() {
            return loopback(socket.getLocalPort());
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket c = socket.accept();
                    accepted.incrementAndGet();
                    open.add(c);
                    Thread t = new Thread(() -> serve(c), "test-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket c) {
            try (c) {
                if (answer.apply("PING") == null) {
                    return;
                }
                BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = c.getOutputStream();
                StringBuilder replies = new StringBuilder();
                String line;
                while ((line = in.readLine()) != null) {
                    int n = Integer.parseInt(line.substring(1));
                    List<String> args = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        in.readLine();
                        args.add(in.readLine());
                    }
                    replies.append(answer.apply(String.join(" ", args)));
                    if (!in.ready()) { // the end of a pipelined batch: answer it in one write
                        out.write(replies.toString().getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        replies.setLength(0);
                        if (closeAfterEachReply) {
                            return;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the prober went away
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket c : open) {
                c.close();
            }
        }
    }
}
