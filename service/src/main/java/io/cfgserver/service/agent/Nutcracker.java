package io.cfgserver.service.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.Json;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One nutcracker process, run under a small watchdog shell that stops it when the lease file says
 * the lease has ended: the proxy fences itself even if the agent is killed. The watchdog's pid is
 * kept in a pid file, so a restarted agent adopts a running nutcracker instead of starting a second
 * one that could not bind the port.
 */
final class Nutcracker {
    /** Exit code of the watchdog when it stopped nutcracker because the lease ended. */
    static final int FENCED_EXIT = 3;
    private static final String WATCHDOG = """
            #!/bin/bash
            # cfgserver agent watchdog: runs nutcracker while the lease file holds a future time (epoch ms).
            # Only builtins in the loop (no date, no sleep processes): cheap with many proxies per host.
            # nutcracker gets SIGTERM when this shell dies (setpriv --pdeathsig), even by SIGKILL: it never
            # serves unwatched.
            lease="$1"; shift
            if command -v setpriv >/dev/null 2>&1; then
              setpriv --pdeathsig TERM "$@" &
            else
              "$@" &
            fi
            pid=$!
            trap 'kill -TERM $pid 2>/dev/null; wait $pid; exit 0' TERM INT
            exec {tick}<> <(:)
            while kill -0 $pid 2>/dev/null; do
              now=${EPOCHREALTIME//[!0-9]/}
              now=${now:0:13}
              end=0
              read -r end < "$lease" 2>/dev/null
              if (( now >= ${end:-0} )); then
                kill -TERM $pid 2>/dev/null; wait $pid; exit 3
              fi
              read -r -t 0.05 -u $tick
            done
            wait $pid
            """;

    /** How often a restart looks whether the old nutcracker is gone and the new one answers. */
    private static final long READY_POLL_NANOS = 250_000;

    private final Path binary;
    private final Path dir;
    private final int statsPort;
    private final int statsIntervalMillis;
    private volatile ProcessHandle watchdog; // read by the metrics thread too
    /** Set by {@link #close()}: no restart after it. */
    private boolean closed;
    private String runningConfig;

    Nutcracker(Path binary, Path dir, int statsPort, int statsIntervalMillis) throws IOException {
        this.binary = binary;
        this.dir = dir;
        this.statsPort = statsPort;
        this.statsIntervalMillis = statsIntervalMillis;
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("watchdog.sh"), WATCHDOG);
    }

    Path configFile() {
        return dir.resolve("nutcracker.yml");
    }

    /** Adopts a nutcracker left running by an earlier agent (its watchdog is alive). */
    boolean adopt() throws IOException {
        Path pidFile = dir.resolve("watchdog.pid");
        if (!Files.exists(pidFile)) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).trim());
        } catch (NumberFormatException e) {
            return false;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(dir.toString())).orElse(false));
        if (h.isEmpty()) {
            return false;
        }
        watchdog = h.get();
        runningConfig = Files.exists(configFile()) ? Files.readString(configFile()) : null;
        return true;
    }

    boolean alive() {
        ProcessHandle w = watchdog;
        return w != null && w.isAlive();
    }

    String runningConfig() {
        return alive() ? runningConfig : null;
    }

    /**
     * Records the topology version this nutcracker serves; it can be newer than the version in the
     * config header when a change left this proxy's pool as it was. An agent that adopts the
     * nutcracker reads it back.
     */
    void recordServedVersion(long version) throws IOException {
        writeAtomically("served-version", Long.toString(version));
    }

    /** The version last recorded by {@link #recordServedVersion}, 0 when none. */
    long servedVersion() {
        try {
            Path f = dir.resolve("served-version");
            return Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Writes the time (epoch ms) until which nutcracker may run; the watchdog stops it once it passes. */
    void writeLease(long stopAtMillis) throws IOException {
        writeAtomically("lease", Long.toString(stopAtMillis));
    }

    /** The map nutcracker serves, kept so that an agent started while the registry is gone can check it. */
    void recordMap(Cluster map) throws IOException {
        writeAtomically("map.json", Json.mapper().writeValueAsString(map));
    }

    /** The map last recorded by {@link #recordMap}, empty when none (or unreadable). */
    Optional<Cluster> recordedMap() {
        try {
            Path f = dir.resolve("map.json");
            return Files.exists(f) ? Optional.of(Json.mapper().readValue(Files.readString(f), Cluster.class)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The agent's state for operators (and its successor): {@code status.json}. */
    void recordStatus(Object status) throws IOException {
        writeAtomically("status.json", Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(status));
    }

    /** The status last recorded, empty when none (or unreadable). */
    Optional<JsonNode> recordedStatus() {
        try {
            Path f = dir.resolve("status.json");
            return Files.exists(f) ? Optional.of(Json.mapper().readTree(Files.readString(f))) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void writeAtomically(String name, String content) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Checks a config with {@code nutcracker -t}. Returns empty when nutcracker accepts it, or
     * what it said otherwise.
     */
    Optional<String> check(String yaml) throws IOException, InterruptedException {
        Path candidate = dir.resolve("candidate.yml");
        Files.writeString(candidate, yaml);
        Process p = new ProcessBuilder(binary.toString(), "-t", "-c", candidate.toString())
                .redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return Optional.of("nutcracker -t did not finish in 10 s");
        }
        return p.exitValue() == 0 ? Optional.empty() : Optional.of("nutcracker -t rejected the config: " + out);
    }

    /**
     * Starts the candidate beside the running nutcracker, on the same listen host but a free port,
     * and PINGs it: catches what {@code -t} does not (a listen address that cannot be bound, a
     * config this nutcracker cannot run). Returns empty when it ran, or why not.
     */
    Optional<String> trial(String yaml, Address listen) throws IOException, InterruptedException {
        // free ports are found by binding and releasing them: another process may take one in
        // between, so a failed trial is tried again on new ports before the config counts as refused
        Optional<String> result = Optional.empty();
        for (int attempt = 0; attempt < 3; attempt++) {
            result = trialOnce(yaml, listen);
            if (result.isEmpty() || result.get().startsWith("cannot listen")) {
                return result;
            }
        }
        return result;
    }

    private Optional<String> trialOnce(String yaml, Address listen) throws IOException, InterruptedException {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new InetSocketAddress(listen.host(), 0));
            port = probe.getLocalPort();
        } catch (IOException e) {
            return Optional.of("cannot listen on " + listen.host() + " (" + e.getMessage() + "): is it an address of this machine?");
        }
        int stats;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            stats = probe.getLocalPort();
        }
        Path conf = dir.resolve("trial.yml");
        Path log = dir.resolve("trial.log");
        Files.writeString(conf, yaml.replace("  listen: " + listen + "\n", "  listen: " + listen.host() + ":" + port + "\n"));
        Files.deleteIfExists(log);
        Process p = new ProcessBuilder(binary.toString(), "-c", conf.toString(), "-o", log.toString(),
                "-s", Integer.toString(stats), "-a", "127.0.0.1").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            Address at = new Address(listen.host(), port);
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    String said = Files.exists(log) ? Files.readString(log).trim() : "";
                    String why = said.lines().filter(l -> !l.contains("nc.c:18")).reduce((a, b) -> a + " " + b).orElse(said);
                    return Optional.of("nutcracker exited at start (code " + p.waitFor() + "): "
                            + why.substring(Math.max(0, why.length() - 400)));
                }
                if (ping(at)) {
                    return Optional.empty();
                }
                Thread.sleep(2);
            }
            return Optional.of("nutcracker did not answer PING within 3 s on a trial start");
        } finally {
            p.destroyForcibly();
            p.waitFor(3, TimeUnit.SECONDS);
        }
    }

    /**
     * Stops the running nutcracker (if any) and starts one with {@code yaml}; waits for a PING through
     * it. After {@link #close()}, does nothing.
     */
    synchronized void restart(String yaml, Address listen, Duration ready) throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        stop();
        Files.writeString(configFile(), yaml);
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", dir.resolve("watchdog.sh").toString(),
                dir.resolve("lease").toString(), binary.toString(), "-c", configFile().toString(),
                "-o", dir.resolve("nutcracker.log").toString(), "-s", Integer.toString(statsPort),
                "-a", "127.0.0.1", "-i", Integer.toString(statsIntervalMillis), "-p", dir.resolve("nutcracker.pid").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("watchdog.out").toFile())).start();
        watchdog = p.toHandle();
        runningConfig = yaml;
        Files.writeString(dir.resolve("watchdog.pid"), Long.toString(p.pid()));
        long deadline = System.nanoTime() + ready.toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive()) {
                throw new IOException("nutcracker exited at start (see " + dir.resolve("nutcracker.log") + ")");
            }
            if (ping(listen)) {
                return;
            }
            // a refused connect on loopback costs microseconds: look often, the proxy is down meanwhile
            java.util.concurrent.locks.LockSupport.parkNanos(READY_POLL_NANOS);
        }
        stop();
        throw new IOException("nutcracker did not answer PING on " + listen + " within " + ready.toMillis() + " ms");
    }

    /**
     * Stops nutcracker for good: a restart that the agent's loop (still running while the agent
     * shuts down) asks for afterwards does nothing. Without this, an agent stopped by SIGTERM could
     * start nutcracker again on its last map just after stopping it, and leave it serving that map
     * with no agent (found by the chaos soak).
     */
    synchronized void close() throws InterruptedException {
        closed = true;
        stop();
    }

    /**
     * Stops nutcracker and its watchdog; waits until both are gone, so the port is free. The watchdog
     * gets SIGTERM, not SIGKILL: its trap reaps nutcracker ({@code wait}); killed outright, it would
     * leave nutcracker a zombie until init reaps it (measured: 1.8 s here).
     */
    synchronized void stop() throws InterruptedException {
        ProcessHandle w = watchdog;
        if (w == null) {
            return;
        }
        List<ProcessHandle> children = children(w);
        w.destroy();
        for (ProcessHandle c : children) {
            c.destroy();
        }
        waitGone(w, children, Duration.ofSeconds(3));
        if (w.isAlive() || children.stream().anyMatch(ProcessHandle::isAlive)) {
            w.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            waitGone(w, children, Duration.ofSeconds(3));
        }
        watchdog = null;
        runningConfig = null;
    }

    /**
     * The watchdog's nutcracker: by its pid file when that names a child of the watchdog (cheap),
     * otherwise every descendant (a walk over all processes: a few ms on a busy host, on the path of
     * every restart).
     */
    private List<ProcessHandle> children(ProcessHandle w) {
        try {
            Path pidFile = dir.resolve("nutcracker.pid");
            if (Files.exists(pidFile)) {
                Optional<ProcessHandle> n = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                        .filter(h -> h.parent().map(ProcessHandle::pid).orElse(-1L) == w.pid());
                if (n.isPresent()) {
                    return List.of(n.get());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall back to the walk
        }
        return w.descendants().toList();
    }

    private static void waitGone(ProcessHandle w, List<ProcessHandle> children, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline && (w.isAlive() || children.stream().anyMatch(ProcessHandle::isAlive))) {
            java.util.concurrent.locks.LockSupport.parkNanos(READY_POLL_NANOS);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** A PING through the proxy: nutcracker answers it itself, so this checks the proxy, not Redis. */
    static boolean ping(Address listen) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(listen.host(), listen.port()), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII)); // twemproxy speaks RESP only, no inline commands
            out.flush();
            byte[] buf = new byte[7];
            int n = s.getInputStream().readNBytes(buf, 0, 7);
            return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }
}
