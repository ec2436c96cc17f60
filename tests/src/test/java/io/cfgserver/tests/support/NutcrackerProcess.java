package io.cfgserver.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.ClientSetInfoConfig;

/**
 * A nutcracker started directly from a config text (no agent), in the foreground as a child
 * process, listening on a free loopback port, with its stats port on loopback too.
 */
public final class NutcrackerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private NutcrackerProcess(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Starts nutcracker with {@code yaml}, which must listen on 127.0.0.1:{@code port}; waits for PING. */
    public static NutcrackerProcess start(Path dir, String yaml, int port) {
        try {
            Files.createDirectories(dir);
            Path conf = dir.resolve("nutcracker.yml");
            Files.writeString(conf, yaml);
            Process p = new ProcessBuilder(binary(), "-c", conf.toString(), "-o", dir.resolve("nutcracker.log").toString(),
                    "-s", Integer.toString(LoopbackPorts.next()), "-a", "127.0.0.1")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nutcracker.out").toFile()).start();
            NutcrackerProcess n = new NutcrackerProcess(p, port, dir);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("nutcracker exited: " + Files.readString(dir.resolve("nutcracker.log")));
                }
                try (Jedis j = n.jedis()) {
                    if ("PONG".equals(j.ping())) {
                        return n;
                    }
                } catch (RuntimeException e) {
                    Thread.sleep(20);
                }
            }
            n.close();
            throw new IllegalStateException("nutcracker did not answer PING on port " + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The nutcracker binary: $NUTCRACKER_BIN, else /usr/sbin/nutcracker, else "nutcracker" on PATH. */
    public static String binary() {
        String env = System.getenv("NUTCRACKER_BIN");
        if (env != null && !env.isBlank()) {
            return env;
        }
        return Files.isExecutable(Path.of("/usr/sbin/nutcracker")) ? "/usr/sbin/nutcracker" : "nutcracker";
    }

    /** A client for talking through twemproxy: no protocol set (Jedis then sends no HELLO), no CLIENT SETINFO; twemproxy closes the connection on both. */
    public static Jedis proxyClient(String host, int port) {
        return new Jedis(new HostAndPort(host, port), DefaultJedisClientConfig.builder()
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .connectionTimeoutMillis(2000).socketTimeoutMillis(5000).build());
    }

    /** True when a proxy on 127.0.0.1:{@code port} answers PING. */
    public static boolean pings(int port) {
        try (Jedis j = proxyClient("127.0.0.1", port)) {
            return "PONG".equals(j.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    public Jedis jedis() {
        return proxyClient("127.0.0.1", port);
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
