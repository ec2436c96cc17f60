package io.cfgserver.activities.migration;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Slots;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.params.RestoreParams;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Copies the keys of a slot range from a source master to a target master: the bulk copy (one
 * {@code SCAN} step at a time, resumable from its cursor) and the re-copy of dirty keys. Values are
 * copied, not commands, so a copy can be repeated: {@code DUMP} + {@code PTTL} pipelined on the
 * source, {@code RESTORE ... REPLACE} pipelined on the target (TTL kept); a key gone from the source
 * is deleted on the target. Never writes to the source.
 */
public final class SlotCopier implements AutoCloseable {
    /** One step of the bulk copy: where to go on, and what it did. */
    public record Step(String cursor, int scanned, int copied, long bytes) {
        public boolean done() {
            return cursor.equals(ScanParams.SCAN_POINTER_START);
        }
    }

    private final int fromSlot;
    private final int toSlot;
    private final Jedis source;
    private final Jedis target;

    public SlotCopier(Address source, Address target, int fromSlot, int toSlot, int timeoutMillis) {
        this.fromSlot = fromSlot;
        this.toSlot = toSlot;
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
                t.del(keys.get(i));
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
