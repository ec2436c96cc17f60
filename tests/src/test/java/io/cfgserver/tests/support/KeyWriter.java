package io.cfgserver.tests.support;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;

/**
 * One thread writing unique keys ({@code prefix:i} = {@code vi}) through a proxy as fast as it
 * answers, remembering each acknowledged key with when its OK came; a failed write (error reply,
 * timeout, broken connection) is counted and the connection opened again. For failover tests:
 * {@link #lost()} says which acknowledged writes a proxy no longer returns, and when each was
 * acknowledged, so a test can say in which window they were lost.
 */
public final class KeyWriter implements AutoCloseable {
    private final String host;
    private final int port;
    private final Map<String, Long> ackedAtNanos = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    /** Starts writing at once. */
    public KeyWriter(String host, int port, String prefix) {
        this.host = host;
        this.port = port;
        thread = new Thread(() -> run(prefix), "writer-" + prefix);
        thread.setDaemon(true);
        thread.start();
    }

    /** How many writes were acknowledged so far. */
    public int acked() {
        return ackedAtNanos.size();
    }

    /** Acknowledged keys and the {@link System#nanoTime()} of each acknowledgement. */
    public Map<String, Long> ackedAtNanos() {
        return ackedAtNanos;
    }

    /** Writes that failed (no OK): they may or may not have happened, and are not checked. */
    public long failed() {
        return failed.get();
    }

    /** The acknowledged keys the proxy does not return with their value, with their ack times, in key order. */
    public Map<String, Long> lost() {
        Map<String, Long> lost = new TreeMap<>();
        try (Jedis j = NutcrackerProcess.proxyClient(host, port)) {
            for (Map.Entry<String, Long> e : ackedAtNanos.entrySet()) {
                if (!valueOf(e.getKey()).equals(j.get(e.getKey()))) {
                    lost.put(e.getKey(), e.getValue());
                }
            }
        }
        return lost;
    }

    /** Stops writing (and waits for the thread, up to 10 s). */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join(10_000);
    }

    private static String valueOf(String key) {
        return "v" + key.substring(key.lastIndexOf(':') + 1);
    }

    private void run(String prefix) {
        Jedis j = null;
        for (long i = 0; !stop.get(); i++) {
            String key = prefix + ":" + i;
            try {
                if (j == null) {
                    j = NutcrackerProcess.proxyClient(host, port);
                }
                if ("OK".equals(j.set(key, valueOf(key)))) {
                    ackedAtNanos.put(key, System.nanoTime());
                } else {
                    failed.incrementAndGet();
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                if (j != null) {
                    try {
                        j.close();
                    } catch (RuntimeException ignored) {
                        // broken already
                    }
                }
                j = null;
                try {
                    Thread.sleep(5);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
        if (j != null) {
            j.close();
        }
    }
}
