package io.cfgserver.tests.support;

import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.Slots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Writers through one twemproxy: one thread per group, each looping {@code SET} of unique keys
 * owned by its group (by slot and the slot map), paced at one write per {@code periodMicros},
 * reconnecting after any error (1 ms pause). Every acknowledged key+value is remembered with the
 * round it was written in and its ack time, so that a later read through the proxy can check it.
 */
public final class ProxyWriter implements AutoCloseable {
    /** One acknowledged write. */
    public record Ack(int round, String group, String key, String value, long ackNanos) {
    }

    /** Per-group state, read by the bench while the writer runs. */
    public static final class GroupWriter {
        public final String group;
        volatile long watchFromNanos = Long.MAX_VALUE;
        public volatile long firstOkNanos;
        public volatile long failuresAtFirstOk;
        public volatile long failures;
        public volatile long oks;
        long failuresAtWatch;

        GroupWriter(String group) {
            this.group = group;
        }
    }

    private final String host;
    private final int port;
    private final String prefix;
    private final SlotMap slots;
    private final long periodNanos;
    private final Map<String, GroupWriter> groups = new HashMap<>();
    private final List<Ack> acks = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;
    private volatile int round;

    public ProxyWriter(String host, int port, String prefix, SlotMap slots, List<String> groupIds, long periodMicros) {
        this.host = host;
        this.port = port;
        this.prefix = prefix;
        this.slots = slots;
        this.periodNanos = periodMicros * 1000;
        for (String g : groupIds) {
            groups.put(g, new GroupWriter(g));
        }
    }

    public void start() {
        for (GroupWriter g : groups.values()) {
            Thread t = new Thread(() -> loop(g), "writer-" + prefix + "-" + g.group);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    public void round(int r) {
        round = r;
    }

    public GroupWriter group(String g) {
        return groups.get(g);
    }

    /** From now on, remembers the first write of {@code g} that started at or after {@code fromNanos} and succeeded. */
    public void watch(String g, long fromNanos) {
        GroupWriter w = groups.get(g);
        w.firstOkNanos = 0;
        w.failuresAtWatch = w.failures;
        w.watchFromNanos = fromNanos;
    }

    public List<Ack> acks() {
        synchronized (acks) {
            return new ArrayList<>(acks);
        }
    }

    private void loop(GroupWriter g) {
        Jedis j = null;
        long n = 0;
        long next = System.nanoTime();
        while (!stop) {
            long now = System.nanoTime();
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            next = Math.max(next + periodNanos, now - periodNanos);
            String key;
            do {
                key = prefix + ":" + g.group + ":" + (n++);
            } while (!slots.owner(Slots.slot(key)).equals(g.group));
            String value = "v" + n + "-" + now;
            int r = round;
            long started = System.nanoTime();
            try {
                if (j == null) {
                    j = NutcrackerProcess.proxyClient(host, port);
                }
                j.set(key, value);
                long acked = System.nanoTime();
                synchronized (acks) {
                    acks.add(new Ack(r, g.group, key, value, acked));
                }
                g.oks++;
                if (started >= g.watchFromNanos && g.firstOkNanos == 0) {
                    g.failuresAtFirstOk = g.failures - g.failuresAtWatch;
                    g.firstOkNanos = acked;
                }
            } catch (RuntimeException e) {
                g.failures++;
                if (j != null) {
                    try {
                        j.close();
                    } catch (RuntimeException ignored) {
                        // broken already
                    }
                }
                j = null;
                LockSupport.parkNanos(1_000_000);
            }
        }
        if (j != null) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // broken already
            }
        }
    }

    /**
     * Reads every key of {@code expected} through the proxy (pipelined, in batches; a failed batch
     * is retried for up to 20 s) and returns those missing or holding another value.
     */
    public static List<Ack> missing(String host, int port, List<Ack> expected) {
        List<Ack> lost = new ArrayList<>();
        for (int from = 0; from < expected.size(); from += 500) {
            List<Ack> batch = expected.subList(from, Math.min(expected.size(), from + 500));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (true) {
                try (Jedis j = NutcrackerProcess.proxyClient(host, port)) {
                    Pipeline p = j.pipelined();
                    List<Response<String>> rs = new ArrayList<>(batch.size());
                    for (Ack a : batch) {
                        rs.add(p.get(a.key()));
                    }
                    p.sync();
                    for (int i = 0; i < batch.size(); i++) {
                        if (!batch.get(i).value().equals(rs.get(i).get())) {
                            lost.add(batch.get(i));
                        }
                    }
                    break;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("cannot read back acknowledged keys through the proxy: " + e, e);
                    }
                    LockSupport.parkNanos(100_000_000);
                }
            }
        }
        return lost;
    }

    @Override
    public void close() {
        stop = true;
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
