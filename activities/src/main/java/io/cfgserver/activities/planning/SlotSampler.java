package io.cfgserver.activities.planning;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Slots;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Estimates the keys and bytes of each slot on one master by sampling: {@code SCAN} up to
 * {@code maxKeys} keys (a SCAN walks the hash table in bucket order, so a partial walk is a sample
 * spread over every slot), {@code MEMORY USAGE} of each, pipelined, then scaled by
 * {@code DBSIZE / sampled}. A master with fewer keys than the sample is counted exactly.
 */
public final class SlotSampler {
    public static final int DEFAULT_SAMPLE = 20_000;

    /** Keys and bytes of each slot, estimated; {@code exact} when every key was seen. */
    public record Sample(String master, long dbSize, long sampled, boolean exact, long[] keys, long[] bytes) {
    }

    private final int timeoutMillis;

    public SlotSampler(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    public Sample sample(Address master, int maxKeys) {
        try (Jedis jedis = new Jedis(new HostAndPort(master.host(), master.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis)
                .protocol(RedisProtocol.RESP2).build())) {
            long dbSize = jedis.dbSize();
            long[] keys = new long[Slots.COUNT];
            long[] bytes = new long[Slots.COUNT];
            String cursor = ScanParams.SCAN_POINTER_START;
            long sampled = 0;
            boolean complete = false;
            ScanParams params = new ScanParams().count(1000);
            while (sampled < maxKeys) {
                ScanResult<byte[]> page = jedis.scan(cursor.getBytes(java.nio.charset.StandardCharsets.UTF_8), params);
                List<byte[]> batch = page.getResult();
                Pipeline p = jedis.pipelined();
                List<Response<Long>> usage = new ArrayList<>(batch.size());
                for (byte[] k : batch) {
                    usage.add(p.memoryUsage(k));
                }
                p.sync();
                for (int i = 0; i < batch.size(); i++) {
                    int slot = Slots.slot(batch.get(i));
                    Long b = usage.get(i).get();
                    keys[slot]++;
                    bytes[slot] += b == null ? 0 : b; // null: expired or deleted since the SCAN
                }
                sampled += batch.size();
                cursor = page.getCursor();
                if (ScanParams.SCAN_POINTER_START.equals(cursor)) {
                    complete = true;
                    break;
                }
            }
            if (!complete && sampled > 0) {
                double scale = (double) dbSize / sampled;
                for (int s = 0; s < Slots.COUNT; s++) {
                    keys[s] = Math.round(keys[s] * scale);
                    bytes[s] = Math.round(bytes[s] * scale);
                }
            }
            return new Sample(master.toString(), dbSize, sampled, complete, keys, bytes);
        }
    }
}
