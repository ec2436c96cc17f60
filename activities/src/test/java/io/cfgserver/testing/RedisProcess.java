package io.cfgserver.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A real {@code redis-server} child process on a free loopback port, without persistence and
 * with {@code repl-diskless-sync-delay 0} (so a replica's first sync starts at once).
 *
 * <p>Each process works in its own folder {@code <dir>/redis-<port>} (its log is
 * {@code redis.log} there), so several can share {@code dir}. Set {@code REDIS_SERVER} to use
 * another binary than {@code redis-server} on the PATH.
 */
public final class RedisProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final JedisClientConfig CLIENT = DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(1000).socketTimeoutMillis(5000)
            .protocol(RedisProtocol.RESP2).clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build();

    private final int port;
    private final Placement where;
    private final Path workDir;
    private List<String> extraArgs;
    private Process process;

    private RedisProcess(int port, Placement where, Path workDir, List<String> extraArgs) {
        this.port = port;
        this.where = where;
        this.workDir = workDir;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Starts redis-server on a free port and returns once it answers PING. */
    public static RedisProcess start(Path dir, String... extraArgs) {
        return start(dir, Placement.LOOPBACK, extraArgs);
    }

    /**
     * Starts redis-server bound to {@code where}'s address (protected mode off when that is not
     * loopback) under its command prefix, e.g. in a network namespace.
     */
    public static RedisProcess start(Path dir, Placement where, String... extraArgs) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = FreePorts.next();
            RedisProcess redis = new RedisProcess(port, where, dir.resolve("redis-" + port), List.of(extraArgs));
            try {
                redis.launch();
                return redis;
            } catch (IllegalStateException e) {
                // Most likely another process took the port between FreePorts and the bind: try another.
                redis.kill9();
                last = e;
            }
        }
        throw last;
    }

    public int port() {
        return port;
    }

    /** {@code <ip>:<port>}: {@code 127.0.0.1:<port>} unless started with a {@link Placement}. */
    public String address() {
        return where.address(port);
    }

    /** The OS process (for SIGSTOP/SIGCONT), if started. */
    public java.util.Optional<ProcessHandle> handle() {
        return process == null ? java.util.Optional.empty() : java.util.Optional.of(process.toHandle());
    }

    /** A new connection to this instance (RESP2, no CLIENT SETINFO); the caller closes it. */
    public Jedis jedis() {
        return new Jedis(new HostAndPort(where.ip(), port), CLIENT);
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: the process dies at once, as on a crash. */
    public void kill9() {
        if (process != null) {
            process.destroyForcibly();
            waitForExit(process);
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            waitForExit(process);
        }
    }

    /** Stops the process if it runs, then starts it again on the same port and folder. */
    public RedisProcess restart() {
        stop();
        launch();
        return this;
    }

    /** Stops the process if it runs, then starts it again on the same port and folder with other extra arguments. */
    public RedisProcess restartWith(String... newExtraArgs) {
        stop();
        extraArgs = List.of(newExtraArgs);
        launch();
        return this;
    }

    @Override
    public void close() {
        stop();
    }

    /** The last lines of this instance's log, for assertion messages. */
    public String logTail() {
        Path logFile = workDir.resolve("redis.log");
        try {
            if (!Files.exists(logFile)) {
                return "(no log at " + logFile + ")";
            }
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    private void launch() {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + workDir, e);
        }
        List<String> cmd = new ArrayList<>(List.of(binary(), "--port", Integer.toString(port), "--bind", where.ip(),
                "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--daemonize", "no",
                "--dir", workDir.toAbsolutePath().toString()));
        if (!where.loopback()) {
            cmd.addAll(List.of("--protected-mode", "no"));
        }
        cmd.addAll(extraArgs);
        cmd = where.wrap(cmd);
        Path logFile = workDir.resolve("redis.log");
        try {
            ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(where.env());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", cmd)
                    + " (is redis-server installed? apt-get install redis-server)", e);
        }
        awaitPing();
    }

    private void awaitPing() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited with " + process.exitValue()
                        + ":\n" + logTail());
            }
            try (Jedis jedis = jedis()) {
                if ("PONG".equals(jedis.ping())) {
                    return;
                }
            } catch (JedisException notYet) {
                // not listening yet
            }
            pause(20);
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
                + START_TIMEOUT + ":\n" + logTail());
    }

    private static String binary() {
        String configured = System.getenv("REDIS_SERVER");
        return configured == null || configured.isBlank() ? "redis-server" : configured;
    }

    private static void waitForExit(Process p) {
        try {
            p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }
}
