package io.cfgserver.activities.migration;

import io.cfgserver.registry.topology.Address;
import java.util.Map;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/**
 * The cut-over's hold on the source master. {@code CLIENT PAUSE <ms> WRITE} stops writes for a
 * bounded time (reads go on); the <b>fence</b> makes the source refuse writes with no time limit:
 * {@code min-replicas-to-write} above any replica count, so every write fails closed with
 * {@code -NOREPLICAS} until it is lifted — a worker that dies between the pause and the commit leaves
 * a source that refuses writes, not one that acknowledges writes to slots that are moving away.
 * The settings it replaced are returned, to be kept by the workflow and put back by {@link #lift}.
 */
public final class SourceFence {
    /** Far above any replica count: no master can satisfy it. */
    public static final int FENCED_MIN_REPLICAS = 1_000_000;

    /** The settings of the source before the fence. */
    public record Saved(int minReplicasToWrite, int minReplicasMaxLag) {
    }

    private final int timeoutMillis;

    public SourceFence(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    private Jedis connect(Address a) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis)
                .protocol(RedisProtocol.RESP2).build());
    }

    /** {@code CLIENT PAUSE millis WRITE}, then the source's {@code master_repl_offset} read under the pause. */
    public long pauseWrites(Address source, long millis) {
        try (Jedis j = connect(source)) {
            j.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "PAUSE", Long.toString(millis), "WRITE");
            return Long.parseLong(ChangeCapture.info(j.info("replication")).get("master_repl_offset"));
        }
    }

    /**
     * Fences the source; returns the settings it replaced. Idempotent: a source already fenced
     * returns {@code saved} (what the first call returned, kept by the caller) or, without it, the
     * defaults of a group without the policy's settings.
     */
    public Saved fence(Address source, Saved saved) {
        try (Jedis j = connect(source)) {
            Saved now = read(j);
            Saved before = now.minReplicasToWrite() >= FENCED_MIN_REPLICAS ? (saved != null ? saved : new Saved(0, now.minReplicasMaxLag()))
                    : now;
            j.configSet("min-replicas-to-write", Integer.toString(FENCED_MIN_REPLICAS));
            return before;
        }
    }

    /** The source's {@code master_repl_offset} now. */
    public long offset(Address source) {
        try (Jedis j = connect(source)) {
            return Long.parseLong(ChangeCapture.info(j.info("replication")).get("master_repl_offset"));
        }
    }

    public boolean fenced(Address source) {
        try (Jedis j = connect(source)) {
            return read(j).minReplicasToWrite() >= FENCED_MIN_REPLICAS;
        }
    }

    /** Puts the saved settings back and lifts the pause (idempotent). */
    public void lift(Address source, Saved saved) {
        try (Jedis j = connect(source)) {
            j.configSet("min-replicas-to-write", Integer.toString(saved.minReplicasToWrite()),
                    "min-replicas-max-lag", Integer.toString(saved.minReplicasMaxLag()));
            j.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "UNPAUSE");
        }
    }

    private static Saved read(Jedis j) {
        Map<String, String> c = j.configGet("min-replicas-*");
        return new Saved(Integer.parseInt(c.getOrDefault("min-replicas-to-write", "0")),
                Integer.parseInt(c.getOrDefault("min-replicas-max-lag", "10")));
    }
}
