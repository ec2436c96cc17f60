package io.cfgserver.registry.fencing;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import java.util.Optional;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/**
 * Reads a group's evidence from Redis, on short-lived connections with timeouts: the master's
 * {@code INFO replication} and stamp, then, only for replicas the master does not show attached,
 * their own {@code INFO replication}. Read-only.
 */
public final class EvidenceReader {
    private final int timeoutMillis;

    public EvidenceReader(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** What was wrong with the group's evidence, empty when it holds (see {@link GroupEvidence}). */
    public Optional<String> problem(Cluster map, Group g, long maxLagSeconds) {
        Address m = g.master().address();
        ReplicationInfo info;
        String stamp;
        try (Jedis j = connect(m)) {
            info = ReplicationInfo.parse(j.info("replication"));
            stamp = j.get(FencingStamp.KEY);
        } catch (RuntimeException e) {
            return Optional.of("master " + m.logId() + " does not answer: " + e.getMessage());
        }
        return GroupEvidence.problem(map, g, info, FencingStamp.decode(stamp), this::ask, maxLagSeconds);
    }

    private Optional<ReplicationInfo> ask(Address replica) {
        try (Jedis j = connect(replica)) {
            return Optional.of(ReplicationInfo.parse(j.info("replication")));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private Jedis connect(Address a) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis).database(FencingStamp.DB)
                .protocol(RedisProtocol.RESP2).build());
    }
}
