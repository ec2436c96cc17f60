package io.cfgserver.tests.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.testing.Placement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One cfgserver peer (registry peer + REST API + Temporal worker) in a JVM of its own:
 * {@code java -cp <the test classpath> io.cfgserver.service.CfgServerApplication server <yml>},
 * with the YAML written from the builder's parameters, every port on 127.0.0.1, output appended
 * to {@link #logFile()}. {@link #kill9()} then {@link #start()} is a crash and a restart with
 * the same configuration and data directory.
 *
 * <pre>{@code
 * try (ServiceProcess peer = ServiceProcess.builder("p1").dir(tmp).temporalTarget(temporal.target()).start()) {
 *     peer.waitReady(Duration.ofSeconds(60));
 *     peer.http().get(peer.baseUrl() + "/v1/registry");
 * }
 * }</pre>
 */
public final class ServiceProcess implements AutoCloseable {
    public static final String MAIN_CLASS = "io.cfgserver.service.CfgServerApplication";
    public static final String DEFAULT_TOKEN = "test-token";

    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    /** A registry member: id and Raft address ("127.0.0.1:port"). */
    public record Peer(String id, String address) {
        public Peer {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(address, "address");
        }

        public static Peer onLoopback(String id, int raftPort) {
            return new Peer(id, "127.0.0.1:" + raftPort);
        }

        /** A member at {@code where}'s address. */
        public static Peer at(Placement where, String id, int raftPort) {
            return new Peer(id, where.address(raftPort));
        }
    }

    private final String peerId;
    private final Placement where;
    private final List<Peer> peers;
    private final int restPort;
    private final int adminPort;
    private final Path dir;
    private final Path dataDir;
    private final Path configFile;
    private final Path argFile;
    private final Path logFile;
    private final String temporalTarget;
    private final String token;
    private final List<String> jvmArgs;
    private final Map<String, String> env;
    private final String authYaml;
    private final String extraYaml;
    private final Path tlsDir;
    private final Http http;
    private Process process;

    private ServiceProcess(Builder b) {
        this.peerId = b.peerId;
        this.where = b.where;
        this.restPort = b.restPort != 0 ? b.restPort : LoopbackPorts.next();
        this.adminPort = b.adminPort != 0 ? b.adminPort : LoopbackPorts.next();
        this.peers = b.peers.isEmpty()
                ? List.of(Peer.at(b.where, b.peerId, b.raftPort != 0 ? b.raftPort : LoopbackPorts.next()))
                : List.copyOf(b.peers);
        Peer self = peers.stream().filter(p -> p.id().equals(peerId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("peer " + peerId + " is not in the peer list " + peers));
        if (b.raftPort != 0 && !self.address().endsWith(":" + b.raftPort)) {
            throw new IllegalArgumentException("raftPort " + b.raftPort + " differs from " + self);
        }
        this.dir = b.dir.toAbsolutePath();
        this.dataDir = b.dataDir != null ? b.dataDir.toAbsolutePath() : dir.resolve("data");
        this.configFile = dir.resolve(peerId + ".yml");
        this.argFile = dir.resolve(peerId + ".jvm-args");
        this.logFile = dir.resolve(peerId + ".log");
        this.temporalTarget = Objects.requireNonNull(b.temporalTarget, "temporalTarget");
        this.token = b.token;
        this.jvmArgs = List.copyOf(b.jvmArgs);
        this.env = Map.copyOf(b.env);
        this.authYaml = b.authYaml;
        this.extraYaml = b.extraYaml;
        this.tlsDir = b.tlsDir == null ? null : b.tlsDir.toAbsolutePath();
        this.http = tlsDir == null ? Http.withToken(token) : Http.withToken(token).trusting(caFile());
    }

    public static Builder builder(String peerId) {
        return new Builder(peerId);
    }

    /** Launches the JVM (again, after {@link #stop()} or {@link #kill9()}); does not wait. */
    public synchronized ServiceProcess start() {
        if (isRunning()) {
            throw new IllegalStateException(this + " is already running");
        }
        try {
            Files.createDirectories(dir);
            Files.createDirectories(dataDir);
            Files.writeString(configFile, yaml(), StandardCharsets.UTF_8);
            Files.writeString(argFile, "-cp\n" + quoteArg(classpath()) + "\n", StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>();
            command.addAll(where.prefix());
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Dcfgserver.test.peer=" + peerId);
            command.addAll(jvmArgs);
            command.add("@" + argFile);
            command.addAll(List.of(MAIN_CLASS, "server", configFile.toString()));
            Files.writeString(logFile, "---- " + Instant.now() + " " + String.join(" ", command) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(where.env());
            builder.environment().putAll(env);
            process = ChildProcesses.track(builder.start());
            process.getOutputStream().close();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + this, e);
        }
    }

    /**
     * Polls {@code GET /v1/registry} until it answers 200. Fails at once, with the end of the
     * log, when the process exits meanwhile.
     */
    public ServiceProcess waitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!isRunning()) {
                throw new IllegalStateException(this + " is not running" + exitDescription() + "; log " + logFile
                        + ":\n" + ChildProcesses.tail(logFile, 60));
            }
            Optional<Http.Response> answer = http.tryGet(baseUrl() + "/v1/registry");
            if (answer.isPresent() && answer.get().status() == 200) {
                return this;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(this + " did not answer GET /v1/registry with 200 within "
                        + timeout.toSeconds() + " s (last: " + answer.map(r -> r.status() + " " + r.body())
                        .orElse("no answer") + "); log " + logFile + ":\n" + ChildProcesses.tail(logFile, 60));
            }
            ChildProcesses.pause(Duration.ofMillis(100));
        }
    }

    /** This peer's {@code GET /v1/registry} body, or empty when it does not answer 200. */
    public Optional<JsonNode> registryInfo() {
        if (!isRunning()) {
            return Optional.empty();
        }
        return http.tryGet(baseUrl() + "/v1/registry").filter(r -> r.status() == 200).map(Http.Response::json);
    }

    /** SIGTERM and a bounded wait (20 s), then SIGKILL. Data and config stay for {@link #start()}. */
    public synchronized void stop() {
        if (process != null) {
            ChildProcesses.terminate(process, STOP_GRACE);
        }
    }

    /** SIGKILL to the JVM and anything it started: a crash. */
    public synchronized void kill9() {
        if (process != null) {
            ChildProcesses.killTree(process);
        }
    }

    @Override
    public void close() {
        stop();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public Placement placement() {
        return where;
    }

    public long pid() {
        if (process == null) {
            throw new IllegalStateException(this + " was never started");
        }
        return process.pid();
    }

    public String peerId() {
        return peerId;
    }

    public List<Peer> peers() {
        return peers;
    }

    /** {@code http://127.0.0.1:port}, or {@code https://} with {@linkplain Builder#tls TLS}. */
    public String baseUrl() {
        return scheme() + "://" + where.address(restPort);
    }

    public String adminUrl() {
        return scheme() + "://" + where.address(adminPort);
    }

    private String scheme() {
        return tlsDir == null ? "http" : "https";
    }

    /** The CA this peer's certificates come from ({@code ca.pem} in the TLS directory), or null without TLS. */
    public Path caFile() {
        return tlsDir == null ? null : tlsDir.resolve("ca.pem");
    }

    public int restPort() {
        return restPort;
    }

    public int adminPort() {
        return adminPort;
    }

    public String raftAddress() {
        return peers.stream().filter(p -> p.id().equals(peerId)).findFirst().orElseThrow().address();
    }

    public String token() {
        return token;
    }

    /** An HTTP client that sends this peer's token. */
    public Http http() {
        return http;
    }

    public Path configFile() {
        return configFile;
    }

    public Path logFile() {
        return logFile;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public String toString() {
        return "peer-[" + peerId + "] (" + baseUrl() + ")";
    }

    private String exitDescription() {
        return process != null && !process.isAlive() ? " (exit code " + process.exitValue() + ")" : "";
    }

    /** The YAML of deploy/local/peer1.yml with this peer's values. */
    String yaml() {
        StringBuilder y = new StringBuilder();
        y.append("# written by ServiceProcess for peer ").append(peerId).append('\n');
        y.append("server:\n");
        y.append("  applicationConnectors: [").append(connector(restPort)).append("]\n");
        y.append("  adminConnectors: [").append(connector(adminPort)).append("]\n");
        y.append("registry:\n");
        y.append("  peerId: ").append(quote(peerId)).append('\n');
        y.append("  dataDir: ").append(quote(dataDir.toString())).append('\n');
        y.append("  peers:\n");
        for (Peer peer : peers) {
            y.append("    - {id: ").append(quote(peer.id())).append(", address: ").append(quote(peer.address())).append("}\n");
        }
        if (tlsDir != null) {
            y.append("  tls:\n");
            y.append("    certFile: ").append(quote(tlsDir.resolve(peerId + ".pem").toString())).append('\n');
            y.append("    keyFile: ").append(quote(tlsDir.resolve(peerId + "-key.pem").toString())).append('\n');
            y.append("    caFile: ").append(quote(caFile().toString())).append('\n');
        }
        y.append("temporal:\n");
        y.append("  target: ").append(quote(temporalTarget)).append('\n');
        y.append("  reconcileIntervalMillis: 1000\n  reconcileGraceMillis: 3000\n  progressSampleMillis: 1000\n");
        y.append("  namespace: default\n");
        y.append("  taskQueue: cfgserver\n");
        y.append("auth:\n");
        y.append("  token: ").append(quote(token)).append('\n');
        y.append(authYaml);
        y.append(extraYaml);
        y.append("logging:\n");
        y.append("  level: INFO\n");
        y.append("  loggers: {org.apache.ratis: WARN, io.temporal: WARN, io.grpc: WARN}\n");
        return y.toString();
    }

    /** A connector as in deploy/local/peer1.yml, or deploy/local/tls/peer1.yml with TLS. */
    private String connector(int port) {
        if (tlsDir == null) {
            return "{type: http, bindHost: " + where.ip() + ", port: " + port + "}";
        }
        return "{type: https, bindHost: " + where.ip() + ", port: " + port + ", keyStoreType: PKCS12, keyStorePath: "
                + quote(tlsDir.resolve(peerId + ".p12").toString()) + ", keyStorePassword: "
                + quote(TlsCertificates.PASSWORD) + "}";
    }

    /** A YAML double-quoted scalar. */
    private static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** One argument in a java @argfile: quoted, backslashes and quotes escaped. */
    private static String quoteArg(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /**
     * The classpath of the peer: {@code -Dcfgserver.service.classpath} when set, else this JVM's
     * own (Surefire and Failsafe put the real test classpath in {@code java.class.path}).
     */
    private static String classpath() {
        String override = System.getProperty("cfgserver.service.classpath");
        return override != null && !override.isBlank() ? override : System.getProperty("java.class.path");
    }

    /** Parameters of a peer; anything not set gets a default (free ports, a data dir under {@code dir}). */
    public static final class Builder {
        private final String peerId;
        private Placement where = Placement.LOOPBACK;
        private List<Peer> peers = List.of();
        private int restPort;
        private int adminPort;
        private int raftPort;
        private Path dir;
        private Path dataDir;
        private String authYaml = "";
        private String extraYaml = "";
        private String temporalTarget;
        private String token = DEFAULT_TOKEN;
        private final List<String> jvmArgs = new ArrayList<>(List.of("-Xms64m", "-Xmx512m",
                "-XX:+ExitOnOutOfMemoryError"));
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path tlsDir;

        private Builder(String peerId) {
            this.peerId = Objects.requireNonNull(peerId, "peerId");
        }

        /** Every member of the registry, this peer included. Default: this peer alone. */
        /** Where the JVM runs: its address (REST, admin and, by default, Raft) and command prefix. */
        public Builder placement(Placement placement) {
            this.where = java.util.Objects.requireNonNull(placement, "placement");
            return this;
        }

        public Builder peers(List<Peer> members) {
            this.peers = List.copyOf(members);
            return this;
        }

        public Builder restPort(int port) {
            this.restPort = port;
            return this;
        }

        public Builder adminPort(int port) {
            this.adminPort = port;
            return this;
        }

        /** Only for a single-peer registry; with {@link #peers} the port comes from this peer's entry. */
        public Builder raftPort(int port) {
            this.raftPort = port;
            return this;
        }

        /** Where the YAML, the log and (by default) the data go. Required. */
        public Builder dir(Path directory) {
            this.dir = directory;
            return this;
        }

        public Builder dataDir(Path directory) {
            this.dataDir = directory;
            return this;
        }

        /** "host:port" of the Temporal frontend. Required. */
        public Builder temporalTarget(String target) {
            this.temporalTarget = target;
            return this;
        }

        public Builder token(String bearerToken) {
            this.token = Objects.requireNonNull(bearerToken, "token");
            return this;
        }

        /** Adds JVM options, e.g. system properties that enable crash points. */
        public Builder jvmArgs(String... args) {
            jvmArgs.addAll(List.of(args));
            return this;
        }

        /** More lines under {@code auth:} (each indented by two spaces, ending in a newline), e.g. users. */
        public Builder authYaml(String lines) {
            this.authYaml = Objects.requireNonNull(lines, "lines");
            return this;
        }

        /** More top-level sections of the peer's YAML (ending in a newline), e.g. {@code console:}. */
        public Builder extraYaml(String sections) {
            this.extraYaml = Objects.requireNonNull(sections, "sections");
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /**
         * TLS on the REST and admin ports (https) and mutual TLS on the Raft transport, with the files
         * {@link TlsCertificates#make} wrote to {@code certDir} for this peer id ({@code <id>.p12},
         * {@code <id>.pem}, {@code <id>-key.pem}) and its {@code ca.pem}. Default: plaintext.
         */
        public Builder tls(Path certDir) {
            this.tlsDir = certDir;
            return this;
        }

        public ServiceProcess build() {
            Objects.requireNonNull(dir, "dir");
            return new ServiceProcess(this);
        }

        /** Builds and launches; call {@link ServiceProcess#waitReady} next. */
        public ServiceProcess start() {
            return build().start();
        }
    }
}
