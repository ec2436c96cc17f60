package io.cfgserver.tests.support;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A model of every acknowledged write to a keyspace of mixed types (strings, counters, hashes,
 * lists, sets, sorted sets; some with TTLs; some with hash tags), written through a proxy, and a
 * check that the keyspace holds exactly what was acknowledged.
 *
 * <p>A write is in the model only once its reply said it was done. A write refused by Redis with an
 * error reply (e.g. {@code NOREPLICAS} from a fenced source) did nothing and leaves the model as it
 * was. A write whose reply never came (a timeout, a broken connection, an error of the proxy
 * itself) may or may not have been done: its key becomes <em>uncertain</em>, is no longer written,
 * and is left out of the check (their number is reported; it should stay small).
 */
public final class DataModel {
    /** What a key holds, as acknowledged; {@code expireAtMillis} 0 for no TTL. */
    record Entry(Object value, long expireAtMillis) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Set<String> uncertain = ConcurrentHashMap.newKeySet();
    private final List<String> keys = new ArrayList<>();
    /** Per key, when each of its writes by a {@link Writer} was acknowledged (epoch ms): to tell when a lost write was made. */
    private final Map<String, List<Long>> ackTimes = new ConcurrentHashMap<>();

    /** Key {@code i}'s name: its type is {@code i % 6}; every ninth key has a hash tag shared by 40 keys. */
    static String name(int i) {
        String type = switch (i % 6) {
            case 0 -> "s";
            case 1 -> "c";
            case 2 -> "h";
            case 3 -> "l";
            case 4 -> "set";
            default -> "z";
        };
        return (i % 9 == 0 ? "{t" + (i % 40) + "}:" : "") + type + ":" + i;
    }

    private static String typeOf(String key) {
        String k = key.startsWith("{") ? key.substring(key.indexOf('}') + 2) : key;
        return k.substring(0, k.indexOf(':'));
    }

    /** Writes {@code n} keys through {@code proxy}; one key in seven gets a TTL of an hour. */
    public void load(Jedis proxy, int n) {
        Pipeline p = proxy.pipelined();
        List<String> expiring = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String k = name(i);
            Object v = switch (typeOf(k)) {
                case "s" -> {
                    String s = "v" + i + "-" + "x".repeat(40);
                    p.set(k, s);
                    yield s;
                }
                case "c" -> {
                    p.set(k, Integer.toString(i));
                    yield Integer.toString(i);
                }
                case "h" -> {
                    Map<String, String> h = Map.of("a", "1", "b", "v" + i, "c", "x".repeat(20));
                    p.hset(k, h);
                    yield new HashMap<>(h);
                }
                case "l" -> {
                    p.rpush(k, "a" + i, "b" + i, "c" + i);
                    yield new LinkedList<>(List.of("a" + i, "b" + i, "c" + i));
                }
                case "set" -> {
                    p.sadd(k, "m" + i, "n" + i);
                    yield new HashSet<>(Set.of("m" + i, "n" + i));
                }
                default -> {
                    p.zadd(k, Map.of("m" + i, (double) i, "n" + i, i + 0.5));
                    yield new HashMap<>(Map.of("m" + i, (double) i, "n" + i, i + 0.5));
                }
            };
            if (i % 7 == 0) {
                p.expire(k, 3600);
                expiring.add(k);
            }
            entries.put(k, new Entry(v, 0));
            keys.add(k);
            if (i % 1000 == 999 || i == n - 1) {
                p.sync();
                // the EXPIREs ran before this reply: their deadline is at most an hour from now
                long expireAt = System.currentTimeMillis() + 3_600_000;
                for (String e : expiring) {
                    entries.put(e, new Entry(entries.get(e).value(), expireAt));
                }
                expiring.clear();
            }
        }
    }

    public int size() {
        return keys.size();
    }

    /** Every key of the model, in load order. */
    public List<String> keys() {
        return List.copyOf(keys);
    }

    /** Whether a write to {@code key} went unanswered (it is left out of the check). */
    public boolean isUncertain(String key) {
        return uncertain.contains(key);
    }

    public int uncertainKeys() {
        return uncertain.size();
    }

    /** When each acknowledged write of {@code key} by a writer was acknowledged (epoch ms, oldest first). */
    public List<Long> ackTimes(String key) {
        List<Long> times = ackTimes.get(key);
        if (times == null) {
            return List.of();
        }
        synchronized (times) {
            return List.copyOf(times);
        }
    }

    /** Forgets every key the filter matches (e.g. after a FLUSHALL destroyed them). */
    public void forget(java.util.function.Predicate<String> filter) {
        entries.keySet().removeIf(filter);
        uncertain.removeIf(filter);
    }

    /**
     * A thread writing through {@code host:port}: SET, INCR, HSET, LPUSH, SADD, ZADD, DEL and EXPIRE
     * on random keys, each applied to the model once acknowledged.
     */
    public Writer writer(String host, int port, long seed) {
        return new Writer(host, port, seed);
    }

    public final class Writer implements AutoCloseable {
        public final AtomicLong acked = new AtomicLong();
        /** Writes Redis refused with an error reply (nothing done): e.g. NOREPLICAS from a fenced source. */
        public final AtomicLong refused = new AtomicLong();
        /** Writes with no reply (maybe done): their keys become uncertain. */
        public final AtomicLong failed = new AtomicLong();
        /** Connections the proxy refused (nothing sent, no key uncertain). */
        public final AtomicLong unreachable = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        Writer(String host, int port, long seed) {
            thread = new Thread(() -> run(host, port, new Random(seed)), "model-writer");
            thread.setDaemon(true);
            thread.start();
        }

        private void run(String host, int port, Random rnd) {
            Jedis j = null;
            for (long n = 0; !stop.get(); n++) {
                String k = keys.get(rnd.nextInt(keys.size()));
                if (uncertain.contains(k)) {
                    continue;
                }
                if (j == null) {
                    try {
                        j = NutcrackerProcess.proxyClient(host, port); // connects
                        j.connect();
                    } catch (RuntimeException e) {
                        // nothing was sent: no key becomes uncertain (a proxy restarting refuses connections)
                        unreachable.incrementAndGet();
                        close(j);
                        j = null;
                        pause();
                        continue;
                    }
                }
                try {
                    write(j, k, n, rnd.nextInt(100));
                    acked.incrementAndGet();
                    List<Long> times = ackTimes.computeIfAbsent(k, x -> new ArrayList<>());
                    synchronized (times) {
                        times.add(System.currentTimeMillis());
                    }
                } catch (JedisDataException e) {
                    String m = String.valueOf(e.getMessage());
                    // Redis' own refusals, and nutcracker's when it could not reach the server (the fence's 127.0.0.1:1)
                    if (m.startsWith("NOREPLICAS") || m.startsWith("READONLY") || m.startsWith("WRONGTYPE")
                            || m.contains("Connection refused")) {
                        refused.incrementAndGet(); // Redis' own refusal: nothing was done
                    } else {
                        uncertain.add(k); // the proxy's error: the server may have done it
                        failed.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    uncertain.add(k);
                    failed.incrementAndGet();
                    close(j);
                    j = null;
                    pause();
                }
            }
            close(j);
        }

        /** After a broken connection: do not spin (each failed write costs a key of the model). */
        private static void pause() {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void close(Jedis j) {
            if (j != null) {
                try {
                    j.close();
                } catch (RuntimeException ignored) {
                    // broken anyway
                }
            }
        }

        /** One write to {@code k}; the model changes only after its reply. */
        private void write(Jedis j, String k, long n, int dice) {
            Entry e = entries.get(k);
            long now = System.currentTimeMillis();
            if (dice < 4) {
                j.del(k);
                entries.remove(k);
                return;
            }
            if (dice < 10) {
                long done = j.expire(k, 1800);
                if (done == 1 && e != null) {
                    entries.put(k, new Entry(e.value(), now + 1_800_000));
                }
                return;
            }
            long ttl = e == null ? 0 : e.expireAtMillis();
            switch (typeOf(k)) {
                case "s" -> {
                    String v = "w" + n;
                    j.set(k, v);
                    entries.put(k, new Entry(v, 0)); // SET drops the TTL
                }
                case "c" -> {
                    long v = j.incr(k);
                    entries.put(k, new Entry(Long.toString(v), ttl));
                }
                case "h" -> {
                    String f = "f" + (n % 5);
                    j.hset(k, f, "w" + n);
                    @SuppressWarnings("unchecked")
                    Map<String, String> h = e == null ? new HashMap<>() : new HashMap<>((Map<String, String>) e.value());
                    h.put(f, "w" + n);
                    entries.put(k, new Entry(h, ttl));
                }
                case "l" -> {
                    j.lpush(k, "w" + n);
                    @SuppressWarnings("unchecked")
                    LinkedList<String> l = e == null ? new LinkedList<>() : new LinkedList<>((List<String>) e.value());
                    l.addFirst("w" + n);
                    entries.put(k, new Entry(l, ttl));
                }
                case "set" -> {
                    j.sadd(k, "w" + (n % 7));
                    @SuppressWarnings("unchecked")
                    Set<String> s = e == null ? new HashSet<>() : new HashSet<>((Set<String>) e.value());
                    s.add("w" + (n % 7));
                    entries.put(k, new Entry(s, ttl));
                }
                default -> {
                    j.zadd(k, n, "w" + (n % 7));
                    @SuppressWarnings("unchecked")
                    Map<String, Double> z = e == null ? new HashMap<>() : new HashMap<>((Map<String, Double>) e.value());
                    z.put("w" + (n % 7), (double) n);
                    entries.put(k, new Entry(z, ttl));
                }
            }
        }

        /** False once the writing thread ended (closed, or died of an unexpected error). */
        public boolean isRunning() {
            return thread.isAlive();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }

        @Override
        public String toString() {
            return acked + " writes acknowledged, " + refused + " refused by Redis, " + failed + " with no reply, "
                    + unreachable + " connections refused";
        }
    }

    /**
     * Reads every certain key of the model through {@code proxy}: type, value and TTL (within
     * {@code ttlSlackMillis}). Returns what differs, empty when everything acknowledged is there.
     */
    public List<String> differences(Jedis proxy, long ttlSlackMillis) {
        return new ArrayList<>(differencesByKey(proxy, ttlSlackMillis).values());
    }

    /** As {@link #differences}, by key (in the model's key order). */
    public Map<String, String> differencesByKey(Jedis proxy, long ttlSlackMillis) {
        Map<String, String> wrong = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i += 500) {
            List<String> batch = keys.subList(i, Math.min(keys.size(), i + 500)).stream()
                    .filter(k -> !uncertain.contains(k)).toList();
            Pipeline p = proxy.pipelined();
            List<Response<?>> values = new ArrayList<>();
            List<Response<Long>> ttls = new ArrayList<>();
            for (String k : batch) {
                values.add(switch (typeOf(k)) {
                    case "s", "c" -> p.get(k);
                    case "h" -> p.hgetAll(k);
                    case "l" -> p.lrange(k, 0, -1);
                    case "set" -> p.smembers(k);
                    default -> p.zrangeWithScores(k, 0, -1);
                });
                ttls.add(p.pttl(k));
            }
            p.sync();
            long now = System.currentTimeMillis();
            for (int b = 0; b < batch.size(); b++) {
                String k = batch.get(b);
                Entry expected = entries.get(k);
                Object got = normalize(values.get(b).get());
                long pttl = ttls.get(b).get();
                if (expected == null) {
                    if (got != null) {
                        wrong.put(k, k + " should not exist, holds " + got);
                    }
                    continue;
                }
                if (!Objects.equals(expected.value(), got)) {
                    wrong.put(k, k + "=" + got + " (acknowledged " + expected.value() + ")");
                    continue;
                }
                long want = expected.expireAtMillis() == 0 ? -1 : expected.expireAtMillis() - now;
                if ((want == -1) != (pttl == -1) || (want != -1 && Math.abs(want - pttl) > ttlSlackMillis)) {
                    wrong.put(k, k + " TTL " + pttl + " ms (acknowledged " + want + " ms)");
                }
            }
        }
        return wrong;
    }

    /** Replies as model values: empty aggregates and nil are "absent". */
    private static Object normalize(Object reply) {
        if (reply == null) {
            return null;
        }
        if (reply instanceof Map<?, ?> m) {
            return m.isEmpty() ? null : new HashMap<>(m);
        }
        if (reply instanceof Set<?> s) {
            return s.isEmpty() ? null : new HashSet<>(s);
        }
        if (reply instanceof List<?> l) {
            if (l.isEmpty()) {
                return null;
            }
            if (l.get(0) instanceof redis.clients.jedis.resps.Tuple) {
                Map<String, Double> z = new HashMap<>();
                for (Object o : l) {
                    redis.clients.jedis.resps.Tuple t = (redis.clients.jedis.resps.Tuple) o;
                    z.put(t.getElement(), t.getScore());
                }
                return z;
            }
            return new LinkedList<>(l);
        }
        return reply;
    }
}
