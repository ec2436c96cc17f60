package io.cfgserver.tests.bench;

import io.cfgserver.registry.render.NutcrackerConfig;
import io.cfgserver.registry.render.ProxySettings;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.SlotMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisProtocol;

/**
 * The baseline's proxy agent, "the usual script that rewrites nutcracker.yml": subscribes to
 * {@code +switch-master} on every Sentinel; on a new master for a group it re-renders the pool
 * (same renderer and slot map as cfgserver), stops nutcracker, starts it again and waits for a
 * PING through it. It also listens to {@code +sdown}, {@code +odown} and {@code +promoted-slave}
 * only to time the Sentinel side of each failover.
 */
final class BaselineAgent implements AutoCloseable {
    private static final List<String> CHANNELS = List.of("+switch-master", "+sdown", "+odown", "+promoted-slave");

    private final Path dir;
    private final String binary;
    private final String listenHost;
    private final int listenPort;
    private final SlotMap slots;
    private final Map<String, String> masters;
    private final List<Integer> sentinelPorts;
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final List<Jedis> connections = new ArrayList<>();
    private final List<JedisPubSub> subscriptions = new ArrayList<>();
    private Process nutcracker;
    private long version = 1;
    private volatile boolean closed;

    BaselineAgent(Path dir, String binary, String listenHost, int listenPort, SlotMap slots, Map<String, String> masters,
            List<Integer> sentinelPorts) {
        this.dir = dir;
        this.binary = binary;
        this.listenHost = listenHost;
        this.listenPort = listenPort;
        this.slots = slots;
        this.masters = new LinkedHashMap<>(masters);
        this.sentinelPorts = sentinelPorts;
    }

    synchronized void start() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        restartNutcracker();
        for (int port : sentinelPorts) {
            Thread t = new Thread(() -> subscribe(port), "baseline-sub-" + port);
            t.setDaemon(true);
            t.start();
        }
    }

    synchronized String master(String group) {
        return masters.get(group);
    }

    /** Nanos of the first {@code type} event for {@code group} since {@link #reset}, or 0. */
    long firstSeen(String type, String group) {
        return firstSeen.getOrDefault(type + "|" + group, 0L);
    }

    void reset(String group) {
        firstSeen.keySet().removeIf(k -> k.endsWith("|" + group));
    }

    private void subscribe(int port) {
        while (!closed) {
            JedisPubSub sub = new JedisPubSub() {
                @Override
                public void onMessage(String channel, String message) {
                    handle(channel, message, System.nanoTime());
                }
            };
            Jedis j = new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
                    .protocol(RedisProtocol.RESP2).connectionTimeoutMillis(1000).socketTimeoutMillis(0).build());
            synchronized (connections) {
                if (closed) {
                    j.close();
                    return;
                }
                connections.add(j);
                subscriptions.add(sub);
            }
            try {
                j.subscribe(sub, CHANNELS.toArray(String[]::new));
            } catch (RuntimeException e) {
                if (!closed) {
                    System.err.println("baseline agent: subscription to sentinel " + port + " broke: " + e);
                    sleep(200);
                }
            } finally {
                try {
                    j.close();
                } catch (RuntimeException ignored) {
                    // closed by close() already
                }
            }
        }
    }

    private void handle(String channel, String message, long at) {
        String[] p = message.split(" ");
        String group = switch (channel) {
            case "+switch-master" -> p[0];
            case "+sdown", "+odown" -> p[0].equals("master") ? p[1] : null;
            case "+promoted-slave" -> {
                int i = List.of(p).indexOf("@");
                yield i >= 0 && i + 1 < p.length ? p[i + 1] : null;
            }
            default -> null;
        };
        if (group == null) {
            return;
        }
        firstSeen.putIfAbsent(channel + "|" + group, at);
        if (channel.equals("+switch-master") && p.length >= 5) {
            switched(group, p[3] + ":" + p[4]);
        }
    }

    private synchronized void switched(String group, String newMaster) {
        if (closed || newMaster.equals(masters.get(group))) {
            return;
        }
        masters.put(group, newMaster);
        try {
            restartNutcracker();
            firstSeen.putIfAbsent("restarted|" + group, System.nanoTime());
        } catch (IOException | InterruptedException e) {
            System.err.println("baseline agent: nutcracker restart failed: " + e);
        }
    }

    private void restartNutcracker() throws IOException, InterruptedException {
        stopNutcracker();
        List<Group> groups = new ArrayList<>();
        for (Map.Entry<String, String> e : masters.entrySet()) {
            groups.add(new Group(e.getKey(), 1, Instance.of(Address.parse(e.getValue())), List.of()));
        }
        Cluster cluster = new Cluster("baseline", version++, groups, slots, List.of(), Policy.defaults(), 0);
        Path conf = dir.resolve("nutcracker.yml");
        Files.writeString(conf, NutcrackerConfig.render(cluster, new Address(listenHost, listenPort),
                ProxySettings.defaults()));
        nutcracker = new ProcessBuilder(binary, "-c", conf.toString(), "-o", dir.resolve("nutcracker.log").toString(),
                "-s", Integer.toString(io.cfgserver.tests.support.LoopbackPorts.next()), "-a", "127.0.0.1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("nutcracker.out").toFile()))
                .start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!nutcracker.isAlive()) {
                throw new IOException("nutcracker exited at start, see " + dir.resolve("nutcracker.log"));
            }
            if (ping(listenHost, listenPort)) {
                return;
            }
            Thread.sleep(2);
        }
        throw new IOException("nutcracker did not answer PING within 10 s");
    }

    private void stopNutcracker() throws InterruptedException {
        Process p = nutcracker;
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            }
        }
        nutcracker = null;
    }

    /** A RESP PING through nutcracker (which answers it itself). */
    static boolean ping(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (connections) {
            for (JedisPubSub s : subscriptions) {
                try {
                    if (s.isSubscribed()) {
                        s.unsubscribe();
                    }
                } catch (RuntimeException ignored) {
                    // connection already gone
                }
            }
            for (Jedis j : connections) {
                try {
                    j.close();
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
        }
        synchronized (this) {
            try {
                stopNutcracker();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (nutcracker != null) {
                    nutcracker.destroyForcibly();
                }
            }
        }
    }
}
