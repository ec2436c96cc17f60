package io.cfgserver.tests.support;

import io.cfgserver.testing.Placement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One proxy agent ({@code cfgserver agent agent.yml}) in a JVM of its own, with the nutcracker it
 * runs. {@link #kill9()} kills the agent's JVM only: its nutcracker (under the watchdog) keeps
 * serving, as after a real crash. {@link #close()} stops the agent and anything it left running.
 */
public final class AgentProcess implements AutoCloseable {
    private final String cluster;
    private final String proxyId;
    private final List<String> registryUrls;
    private final String token;
    private final long leaseMillis;
    private final Path dir;
    private final Path logFile;
    private final int statsPort;
    private final int metricsPort;
    private Path caFile;
    private Placement where = Placement.LOOPBACK;
    private Process process;

    public AgentProcess(Path dir, String cluster, String proxyId, List<String> registryUrls, String token,
            long leaseMillis) {
        this.dir = dir.toAbsolutePath();
        this.cluster = cluster;
        this.proxyId = proxyId;
        this.registryUrls = List.copyOf(registryUrls);
        this.token = token;
        this.leaseMillis = leaseMillis;
        this.logFile = this.dir.resolve("agent.log");
        this.statsPort = LoopbackPorts.next();
        this.metricsPort = LoopbackPorts.next();
    }

    /** Trust only this CA (PEM) for https:// registry URLs ({@code caFile} in agent.yml); call before {@link #start()}. */
    public synchronized AgentProcess trusting(Path caPem) {
        this.caFile = caPem.toAbsolutePath();
        return this;
    }

    /**
     * Run the agent (and so its nutcracker) under {@code placement}, e.g. in a network namespace;
     * the proxy's listen address in the registry must be on the same host. Call before {@link #start()}.
     */
    public synchronized AgentProcess placedAt(Placement placement) {
        this.where = placement;
        return this;
    }

    /** The agent's {@code GET /metrics} (Prometheus text). */
    public String metricsUrl() {
        return "http://" + where.address(metricsPort) + "/metrics";
    }

    public Path workDir() {
        return dir.resolve("nutcracker");
    }

    public Path logFile() {
        return logFile;
    }

    String yaml() {
        StringBuilder y = new StringBuilder();
        y.append("cluster: \"").append(cluster).append("\"\n");
        y.append("proxyId: \"").append(proxyId).append("\"\n");
        y.append("token: \"").append(token).append("\"\n");
        y.append("leaseMillis: ").append(leaseMillis).append('\n');
        y.append("registry:\n");
        for (String url : registryUrls) {
            y.append("  - \"").append(url).append("\"\n");
        }
        if (caFile != null) {
            y.append("caFile: \"").append(caFile).append("\"\n");
        }
        y.append("nutcracker:\n");
        y.append("  binary: \"").append(NutcrackerProcess.binary()).append("\"\n");
        y.append("  workDir: \"").append(workDir()).append("\"\n");
        y.append("  statsPort: ").append(statsPort).append('\n');
        y.append("metrics:\n");
        y.append("  port: ").append(metricsPort).append('\n');
        y.append("  bindHost: \"").append(where.ip()).append("\"\n");
        return y.toString();
    }

    public synchronized AgentProcess start() {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("agent.yml");
            Files.writeString(config, yaml());
            Path argFile = dir.resolve("java.args");
            String cp = System.getProperty("java.class.path");
            Files.writeString(argFile, "-cp\n\"" + cp.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n");
            List<String> command = where.wrap(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "@" + argFile,
                    ServiceProcess.MAIN_CLASS, "agent", config.toString()));
            Files.writeString(logFile, "---- " + Instant.now() + " " + String.join(" ", command) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(where.env());
            process = ChildProcesses.track(builder.start());
            process.getOutputStream().close();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** SIGKILL to the agent's JVM only; its nutcracker and watchdog stay. */
    public synchronized void kill9() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** SIGTERM: the agent stops its nutcracker and exits. */
    public synchronized void stop() {
        if (process != null) {
            ChildProcesses.terminate(process, Duration.ofSeconds(10));
        }
    }

    /** The pid of the nutcracker this agent (or an earlier one in the same dir) runs, if alive. */
    public java.util.Optional<ProcessHandle> nutcracker() {
        try {
            Path pid = workDir().resolve("watchdog.pid");
            if (!Files.exists(pid)) {
                return java.util.Optional.empty();
            }
            return ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).filter(ProcessHandle::isAlive)
                    .flatMap(w -> w.children().findFirst());
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    /** The stacks of the agent's main and agent threads (jstack), for a failure message: where is it stuck? */
    public String mainThreads() {
        if (process == null || !process.isAlive()) {
            return "(not running)";
        }
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                    Long.toString(process.pid())).redirectErrorStream(true).start();
            String dump = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            StringBuilder out = new StringBuilder();
            for (String thread : dump.split("\n\n")) {
                if (thread.startsWith("\"main\"") || thread.startsWith("\"agent") || thread.contains("ProxyAgent")) {
                    out.append(thread).append("\n\n");
                }
            }
            return out.length() == 0 ? dump : out.toString();
        } catch (IOException e) {
            return "(jstack failed: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    public String logTail() {
        return ChildProcesses.tail(logFile, 40);
    }

    @Override
    public void close() {
        stop();
        try {
            Path pid = workDir().resolve("watchdog.pid");
            if (Files.exists(pid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(w -> {
                    w.descendants().forEach(ProcessHandle::destroyForcibly);
                    w.destroyForcibly();
                });
            }
        } catch (IOException | NumberFormatException e) {
            // nothing left to stop
        }
    }
}
