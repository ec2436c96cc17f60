package io.cfgserver.activities.migration;

import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;

/** {@link SplitActivities} over short Jedis connections. */
public final class SplitActivitiesImpl implements SplitActivities {
    private static final Logger log = LoggerFactory.getLogger(SplitActivitiesImpl.class);
    private static final int TIMEOUT_MILLIS = 5000;
    private static final String UNLIMITED_REPLICA_BUFFER = "replica 0 0 0";
    private final SourceFence fence = new SourceFence(TIMEOUT_MILLIS);

    private static Jedis connect(Address a, int db) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(TIMEOUT_MILLIS).socketTimeoutMillis(TIMEOUT_MILLIS).database(db)
                .protocol(RedisProtocol.RESP2).build());
    }

    private static Map<String, String> info(Jedis j) {
        return ChangeCapture.info(j.info("replication"));
    }

    @Override
    public Saved attach(String source, String target, long backlogBytes, Saved earlier) {
        Address s = Address.parse(source);
        Address t = Address.parse(target);
        try (Jedis src = connect(s, 0); Jedis dst = connect(t, 0)) {
            Map<String, String> ti = info(dst);
            boolean following = "slave".equals(ti.get("role")) && (s.host() + ":" + s.port()).equals(ti.get("master_host")
                    + ":" + ti.get("master_port"));
            if (!following && (!"master".equals(ti.get("role")) || dst.dbSize() > 0)) {
                throw ApplicationFailure.newNonRetryableFailure(t.logId() + " is a " + ti.get("role") + " holding "
                        + dst.dbSize() + " keys: the new master of a split must be an empty master", FAILURE_REFUSED);
            }
            Saved saved = earlier;
            if (saved == null) {
                saved = new Saved(replicaBuffer(get(src, "client-output-buffer-limit")), get(src, "repl-backlog-size"),
                        get(src, "repl-diskless-sync-delay"), get(src, "rdbcompression"), get(dst, "maxmemory"), get(dst, "maxmemory-policy"),
                        get(dst, "repl-diskless-load"));
            }
            long backlog = Long.parseLong(saved.sourceBacklog());
            src.configSet("client-output-buffer-limit", UNLIMITED_REPLICA_BUFFER);
            src.configSet("repl-backlog-size", Long.toString(Math.max(backlog, backlogBytes)));
            src.configSet("repl-diskless-sync-delay", "0");
            src.configSet("rdbcompression", "no");
            dst.configSet("maxmemory", "0");
            dst.configSet("maxmemory-policy", "noeviction");
            dst.configSet("repl-diskless-load", "on-empty-db");
            if (!following) {
                dst.replicaof(s.host(), s.port());
            }
            log.info("+split-attach {} replicates {} (source buffer {} -> unlimited, backlog {} -> {})", t.logId(), s.logId(),
                    saved.sourceOutputBuffer(), backlog, Math.max(backlog, backlogBytes));
            return saved;
        }
    }

    private static String get(Jedis j, String parameter) {
        return j.configGet(parameter).get(parameter);
    }

    @Override
    public void awaitSynced(String source, String target, long maxLagBytes) {
        Address s = Address.parse(source);
        Address t = Address.parse(target);
        String last = "not polled yet";
        while (true) {
            try (Jedis src = connect(s, 0); Jedis dst = connect(t, 0)) {
                Map<String, String> si = info(src);
                Map<String, String> ti = info(dst);
                if (!"slave".equals(ti.get("role")) || !(s.host() + ":" + s.port()).equals(ti.get("master_host") + ":"
                        + ti.get("master_port"))) {
                    throw ApplicationFailure.newNonRetryableFailure(t.logId() + " no longer replicates " + s.logId() + " (role "
                            + ti.get("role") + ", master " + ti.get("master_host") + ":" + ti.get("master_port") + ")",
                            FAILURE_REFUSED);
                }
                long lag = Long.parseLong(si.get("master_repl_offset")) - Long.parseLong(ti.getOrDefault("slave_repl_offset",
                        "-1"));
                boolean linked = "up".equals(ti.get("master_link_status")) && !"1".equals(ti.get("master_sync_in_progress"))
                        && si.get("master_replid").equals(ti.get("master_replid"));
                if (linked && lag <= maxLagBytes) {
                    log.info("+split-synced {} caught up with {}: lag {} bytes", t.logId(), s.logId(), lag);
                    return;
                }
                last = "link " + ti.get("master_link_status") + ", sync in progress " + ti.get("master_sync_in_progress")
                        + ", lag " + lag + " bytes";
            } catch (redis.clients.jedis.exceptions.JedisException e) {
                last = e.getMessage(); // loading the RDB: busy for a moment
            }
            try {
                Activity.getExecutionContext().heartbeat(last);
            } catch (IllegalStateException e) {
                // outside an activity
            }
            sleepNanos(50_000_000L);
        }
    }

    /** The {@code replica ...} part of {@code client-output-buffer-limit} ("normal 0 0 0 slave 268435456 ..."). */
    static String replicaBuffer(String all) {
        String[] f = all.trim().split("\\s+");
        for (int i = 0; i + 3 < f.length; i += 4) {
            if (f[i].equals("slave") || f[i].equals("replica")) {
                return "replica " + f[i + 1] + " " + f[i + 2] + " " + f[i + 3];
            }
        }
        return "replica 256mb 64mb 60";
    }

    @Override
    public Held hold(String source, String target, long maxPauseMillis, String pendingStamp, SourceFence.Saved fallback) {
        Address s = Address.parse(source);
        Address t = Address.parse(target);
        try (Jedis dst = connect(t, 0)) {
            if ("master".equals(info(dst).get("role"))) {
                // an earlier attempt promoted it: safe only if the source has taken no write since (still fenced)
                if (!fence.fenced(s)) {
                    throw ApplicationFailure.newNonRetryableFailure(t.logId() + " was promoted by an earlier attempt and "
                            + s.logId() + " is no longer fenced: it may have taken writes the target lacks", FAILURE_REFUSED);
                }
                return new Held(fence.fence(s, fallback), dst.dbSize(), 0, 0, 0, 0, new Held.Phases(0, 0, 0, 0, 0, 0));
            }
        }
        if (pendingStamp != null && !pendingStamp.isEmpty()) {
            try (Jedis j = connect(s, FencingStamp.DB)) {
                j.set(FencingStamp.KEY, pendingStamp);
            }
        }
        long start = System.nanoTime();
        long offset = fence.pauseWrites(s, maxPauseMillis);
        SourceFence.Saved saved = null;
        try (Jedis dst = connect(t, 0)) {
            awaitApplied(dst, t, offset, Math.max(maxPauseMillis, 1000));
            saved = fence.fence(s, fallback);
            long paused = (System.nanoTime() - start) / 1_000_000;
            // writes that reached the source after the pause ran out and before the fence are in the stream up to here
            long fencedAt = fence.offset(s);
            awaitApplied(dst, t, fencedAt, 10_000);
            dst.replicaofNoOne();
            try (Jedis stamp = connect(t, FencingStamp.DB)) {
                stamp.del(FencingStamp.KEY); // the source's, copied: the controller stamps the new group once committed
            }
            long keys = dst.dbSize();
            log.info("+split-hold {} promoted at offset >= {} after {} ms of pause; {} fenced; {} keys", t.logId(), fencedAt,
                    paused, s.logId(), keys);
            return new Held(saved, keys, 0, 0, 0, paused, new Held.Phases(keys, 0, 0, 0, 0, 0));
        } catch (RuntimeException e) {
            if (saved != null) {
                try {
                    fence.lift(s, saved); // nothing committed: the source owns the range again
                } catch (RuntimeException lift) {
                    log.warn("lifting the fence on {} failed: {}", s, lift.toString());
                }
            } else {
                try (Jedis j = connect(s, 0)) {
                    j.sendCommand(Protocol.Command.CLIENT, "UNPAUSE");
                } catch (RuntimeException unpause) {
                    log.warn("CLIENT UNPAUSE on {} failed (the pause runs out by itself): {}", s, unpause.toString());
                }
            }
            throw e;
        }
    }

    /** Waits until the replica has applied at least {@code offset} of its master's stream. */
    private static void awaitApplied(Jedis replica, Address t, long offset, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            Map<String, String> i = info(replica);
            long applied = Long.parseLong(i.getOrDefault("slave_repl_offset", i.getOrDefault("master_repl_offset", "-1")));
            if (applied >= offset && "up".equals(i.get("master_link_status"))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(t.logId() + " did not reach offset " + offset + " in " + timeoutMillis
                        + " ms (at " + applied + ", link " + i.get("master_link_status") + ")");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    @Override
    public long trimOutside(String address, int from, int to, long maxKeysPerSecond) {
        try (Jedis j = connect(Address.parse(address), 0)) {
            return MoveActivitiesImpl.deleteWhere(j, slot -> slot < from || slot > to, maxKeysPerSecond);
        }
    }

    @Override
    public void detachAndEmpty(String target) {
        try (Jedis j = connect(Address.parse(target), 0)) {
            j.replicaofNoOne();
            j.flushDB();
            try (Jedis stamp = connect(Address.parse(target), FencingStamp.DB)) {
                stamp.del(FencingStamp.KEY);
            }
        }
    }

    @Override
    public void restore(String source, String target, Saved saved) {
        if (saved == null) {
            return;
        }
        try (Jedis src = connect(Address.parse(source), 0)) {
            src.configSet("client-output-buffer-limit", saved.sourceOutputBuffer());
            src.configSet("repl-backlog-size", saved.sourceBacklog());
            src.configSet("repl-diskless-sync-delay", saved.sourceSyncDelay());
            src.configSet("rdbcompression", saved.sourceRdbCompression());
        }
        try (Jedis dst = connect(Address.parse(target), 0)) {
            dst.configSet("maxmemory", saved.targetMaxmemory());
            dst.configSet("maxmemory-policy", saved.targetPolicy());
            dst.configSet("repl-diskless-load", saved.targetDisklessLoad());
        }
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
