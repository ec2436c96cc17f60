package io.cfgserver.activities.migration;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Slots;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.RestoreParams;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.Tuple;

/**
 * Copies the keys of a slot range from a source master to a target master: the bulk copy (one
 * {@code SCAN} step at a time, resumable from its cursor) and the re-copy of dirty keys. Values are
 * copied, not commands, so a copy can be repeated: {@code MEMORY USAGE} + {@code PTTL} pipelined on
 * the source, then {@code DUMP} of the keys below {@code bigKeyBytes} and {@code RESTORE ... REPLACE}
 * pipelined on the target (TTL kept); a key gone from the source is deleted on the target. A key at
 * or above {@code bigKeyBytes} is copied in chunks ({@link #copyInChunks}) so that no single call
 * blocks the source for long. Never writes to the source.
 */
public final class SlotCopier implements AutoCloseable {
    /** One step of the bulk copy: where to go on, and what it did. */
    public record Step(String cursor, int scanned, int copied, long bytes) {
        public boolean done() {
            return cursor.equals(ScanParams.SCAN_POINTER_START);
        }
    }

    /** Elements per chunk of a big key: one HSCAN/SSCAN/ZSCAN/LRANGE call on the source. */
    static final int CHUNK_ELEMENTS = 1000;
    /** About how many bytes of values one DUMP/RESTORE pipeline carries (by MEMORY USAGE). */
    static final long PIPELINE_BYTES = 1 << 20;
    /** Bytes per chunk of a big string (GETRANGE). */
    static final int CHUNK_BYTES = 1 << 20;

    private final int fromSlot;
    private final int toSlot;
    private final long bigKeyBytes;
    private final Jedis source;
    private final Jedis target;
    private long bigKeysCopied;
    private Runnable onChunk = () -> { };

    public SlotCopier(Address source, Address target, int fromSlot, int toSlot, int timeoutMillis) {
        this(source, target, fromSlot, toSlot, timeoutMillis, Long.MAX_VALUE);
    }

    public SlotCopier(Address source, Address target, int fromSlot, int toSlot, int timeoutMillis, long bigKeyBytes) {
        this.fromSlot = fromSlot;
        this.toSlot = toSlot;
        this.bigKeyBytes = bigKeyBytes;
        this.source = connect(source, timeoutMillis);
        this.target = connect(target, timeoutMillis);
    }

    private static Jedis connect(Address a, int timeoutMillis) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis)
                .protocol(RedisProtocol.RESP2).build());
    }

    boolean inRange(byte[] key) {
        int s = Slots.slot(key);
        return s >= fromSlot && s <= toSlot;
    }

    /** Runs after every chunk of a big key (the activity heartbeats there: one big key can take many seconds). */
    public void onChunk(Runnable action) {
        this.onChunk = action;
    }

    /** How many keys were copied in chunks (at or above {@code bigKeyBytes}). */
    public long bigKeysCopied() {
        return bigKeysCopied;
    }

    /** One {@code SCAN} step from {@code cursor} (start with "0"): copies the keys of the range it finds. */
    public Step copyStep(String cursor, int count) {
        ScanResult<byte[]> r = source.scan(cursor.getBytes(), new ScanParams().count(count));
        List<byte[]> keys = new ArrayList<>();
        for (byte[] k : r.getResult()) {
            if (inRange(k)) {
                keys.add(k);
            }
        }
        long bytes = copy(keys);
        return new Step(r.getCursor(), r.getResult().size(), keys.size(), bytes);
    }

    /**
     * Copies {@code keys} as they are on the source now; a key the source no longer holds is deleted
     * on the target. Returns the bytes of the values copied.
     */
    public long copy(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return 0;
        }
        if (bigKeyBytes == Long.MAX_VALUE) {
            return copySmall(keys);
        }
        Pipeline sizes = source.pipelined();
        List<Response<Long>> usage = new ArrayList<>(keys.size());
        for (byte[] k : keys) {
            usage.add(sizes.memoryUsage(k));
        }
        sizes.sync();
        List<byte[]> small = new ArrayList<>(keys.size());
        List<byte[]> big = new ArrayList<>();
        long bytes = 0;
        long pending = 0;
        for (int i = 0; i < keys.size(); i++) {
            Long u = usage.get(i).get();
            if (u != null && u >= bigKeyBytes) {
                big.add(keys.get(i));
                continue;
            }
            small.add(keys.get(i));
            pending += u == null ? 0 : u;
            if (pending >= PIPELINE_BYTES) {
                // a pipeline of many large values would hold the source's event loop for each read of it
                bytes += copySmall(small);
                small = new ArrayList<>();
                pending = 0;
            }
        }
        bytes += copySmall(small);
        for (byte[] k : big) {
            bytes += copyInChunks(k);
        }
        return bytes;
    }

    private long copySmall(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return 0;
        }
        Pipeline p = source.pipelined();
        List<Response<byte[]>> dumps = new ArrayList<>(keys.size());
        List<Response<Long>> ttls = new ArrayList<>(keys.size());
        for (byte[] k : keys) {
            dumps.add(p.dump(k));
            ttls.add(p.pttl(k));
        }
        p.sync();
        Pipeline t = target.pipelined();
        long bytes = 0;
        List<Response<String>> restored = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            byte[] payload = dumps.get(i).get();
            long ttl = ttls.get(i).get();
            if (payload == null || ttl == -2 || ttl == 0) {
                t.unlink(keys.get(i));
                continue;
            }
            bytes += payload.length;
            // PTTL -1: no TTL (RESTORE's 0); 0 or -2: expired meanwhile, deleted above
            restored.add(t.restore(keys.get(i), Math.max(0, ttl), payload, RestoreParams.restoreParams().replace()));
        }
        t.sync();
        for (Response<String> r : restored) {
            r.get(); // raises the target's error, if any
        }
        return bytes;
    }

    /**
     * Copies one big key element by element into a temporary key of the same slot on the target, then
     * swaps it in ({@code UNLINK} + {@code RENAME} in one {@code MULTI}, TTL set last). Each source call
     * reads one chunk, so the source keeps answering between them. A write to the key meanwhile is in
     * the change capture: the key is dirty and copied again. Streams and other types with no scan
     * command are copied whole with DUMP. Returns the bytes read.
     */
    long copyInChunks(byte[] key) {
        String type = source.type(key);
        byte[] tmp = temporaryKey(key);
        target.unlink(tmp);
        long bytes;
        switch (type) {
            case "none" -> {
                target.unlink(key);
                return 0;
            }
            case "hash" -> bytes = chunkHash(key, tmp);
            case "set" -> bytes = chunkSet(key, tmp);
            case "zset" -> bytes = chunkZset(key, tmp);
            case "list" -> bytes = chunkList(key, tmp);
            case "string" -> bytes = chunkString(key, tmp);
            default -> {
                return copySmall(List.of(key));
            }
        }
        long ttl = source.pttl(key);
        if (ttl == -2 || ttl == 0) {
            // gone meanwhile (deleted or expired): the copy is void
            target.unlink(tmp, key);
            return bytes;
        }
        Transaction tx = target.multi();
        tx.unlink(key);
        tx.rename(tmp, key);
        if (ttl > 0) {
            tx.pexpire(key, ttl);
        }
        tx.exec();
        bigKeysCopied++;
        return bytes;
    }

    private long chunkHash(byte[] key, byte[] tmp) {
        long bytes = 0;
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        do {
            ScanResult<Map.Entry<byte[], byte[]>> r = source.hscan(key, cursor, new ScanParams().count(CHUNK_ELEMENTS));
            if (!r.getResult().isEmpty()) {
                Map<byte[], byte[]> fields = new java.util.HashMap<>();
                for (Map.Entry<byte[], byte[]> e : r.getResult()) {
                    fields.put(e.getKey(), e.getValue());
                    bytes += e.getKey().length + e.getValue().length;
                }
                target.hset(tmp, fields);
            }
            onChunk.run();
            cursor = r.getCursorAsBytes();
        } while (!Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
        return bytes;
    }

    private long chunkSet(byte[] key, byte[] tmp) {
        long bytes = 0;
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        do {
            ScanResult<byte[]> r = source.sscan(key, cursor, new ScanParams().count(CHUNK_ELEMENTS));
            if (!r.getResult().isEmpty()) {
                for (byte[] m : r.getResult()) {
                    bytes += m.length;
                }
                target.sadd(tmp, r.getResult().toArray(new byte[0][]));
            }
            onChunk.run();
            cursor = r.getCursorAsBytes();
        } while (!Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
        return bytes;
    }

    private long chunkZset(byte[] key, byte[] tmp) {
        long bytes = 0;
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        do {
            ScanResult<Tuple> r = source.zscan(key, cursor, new ScanParams().count(CHUNK_ELEMENTS));
            if (!r.getResult().isEmpty()) {
                Map<byte[], Double> members = new java.util.HashMap<>();
                for (Tuple t : r.getResult()) {
                    members.put(t.getBinaryElement(), t.getScore());
                    bytes += t.getBinaryElement().length + 8;
                }
                target.zadd(tmp, members);
            }
            onChunk.run();
            cursor = r.getCursorAsBytes();
        } while (!Arrays.equals(cursor, ScanParams.SCAN_POINTER_START_BINARY));
        return bytes;
    }

    private long chunkList(byte[] key, byte[] tmp) {
        long bytes = 0;
        for (long start = 0;; start += CHUNK_ELEMENTS) {
            List<byte[]> items = source.lrange(key, start, start + CHUNK_ELEMENTS - 1);
            if (items.isEmpty()) {
                return bytes;
            }
            for (byte[] i : items) {
                bytes += i.length;
            }
            target.rpush(tmp, items.toArray(new byte[0][]));
            onChunk.run();
            if (items.size() < CHUNK_ELEMENTS) {
                return bytes;
            }
        }
    }

    private long chunkString(byte[] key, byte[] tmp) {
        long bytes = 0;
        for (long start = 0;; start += CHUNK_BYTES) {
            byte[] part = source.getrange(key, start, start + CHUNK_BYTES - 1);
            if (part.length == 0) {
                if (start == 0) {
                    target.set(tmp, part);
                }
                return bytes;
            }
            bytes += part.length;
            target.append(tmp, part);
            onChunk.run();
            if (part.length < CHUNK_BYTES) {
                return bytes;
            }
        }
    }

    /**
     * A temporary name in the same slot as {@code key} (so a rollback's range delete removes a copy a
     * crash left behind): the key's own hash tag keeps the slot, otherwise a numbered suffix that hashes
     * to the same slot is searched for (about {@link Slots#COUNT} tries, microseconds).
     */
    static byte[] temporaryKey(byte[] key) {
        int slot = Slots.slot(key);
        for (int i = 0;; i++) {
            byte[] suffix = (":cfgserver-chunk:" + i).getBytes(StandardCharsets.UTF_8);
            byte[] candidate = Arrays.copyOf(key, key.length + suffix.length);
            System.arraycopy(suffix, 0, candidate, key.length, suffix.length);
            if (Slots.slot(candidate) == slot) {
                return candidate;
            }
        }
    }

    /** Deletes the keys of the range from the target (the rollback of a move), one SCAN step at a time. */
    public Step deleteStepOnTarget(String cursor, int count) {
        ScanResult<byte[]> r = target.scan(cursor.getBytes(), new ScanParams().count(count));
        List<byte[]> keys = r.getResult().stream().filter(this::inRange).toList();
        if (!keys.isEmpty()) {
            target.unlink(keys.toArray(new byte[0][]));
        }
        return new Step(r.getCursor(), r.getResult().size(), keys.size(), 0);
    }

    @Override
    public void close() {
        source.close();
        target.close();
    }
}
