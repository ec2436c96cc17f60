package io.cfgserver.registry.controller;

import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import java.util.Optional;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/** The few Redis commands stop-loss sends, each on a fresh short-lived connection with timeouts. */
final class RedisCommands implements RedisOps {
    private final int timeoutMillis;
    private final FaultHooks hooks;

    RedisCommands(int timeoutMillis, FaultHooks hooks) {
        this.timeoutMillis = timeoutMillis;
        this.hooks = hooks;
    }

    private Jedis connect(Address a, int readTimeoutMillis) {
        return connect(a, readTimeoutMillis, 0);
    }

    private Jedis connect(Address a, int readTimeoutMillis, int db) {
        if (hooks.unreachable(a)) {
            throw new redis.clients.jedis.exceptions.JedisConnectionException(a + " is unreachable (test hook)");
        }
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(readTimeoutMillis).database(db)
                .protocol(redis.clients.jedis.RedisProtocol.RESP2).build());
    }

    /** Writes the fencing stamp on a master (its replicas copy it by replication). */
    @Override
    public void writeStamp(Address master, FencingStamp stamp) {
        try (Jedis j = connect(master, timeoutMillis, FencingStamp.DB)) {
            j.set(FencingStamp.KEY, stamp.encode());
        }
    }

    /** The fencing stamp an instance holds (a replica: its copy of its master's), empty when none. */
    @Override
    public Optional<FencingStamp> readStamp(Address a) {
        try (Jedis j = connect(a, timeoutMillis, FencingStamp.DB)) {
            return FencingStamp.decode(j.get(FencingStamp.KEY));
        }
    }

    @Override
    public void promote(Address a) {
        try (Jedis j = connect(a, timeoutMillis)) {
            j.replicaofNoOne();
        }
    }

    @Override
    public void replicaOf(Address a, Address master) {
        try (Jedis j = connect(a, timeoutMillis)) {
            j.replicaof(master.host(), master.port());
        }
    }

    /** Redis 7 {@code FAILOVER TO host port TIMEOUT ms} on the master: pauses writes until the target caught up. */
    @Override
    public void failoverTo(Address master, Address target, long timeoutMillisForRedis) {
        try (Jedis j = connect(master, (int) timeoutMillisForRedis + timeoutMillis)) {
            Object r = j.sendCommand(redis.clients.jedis.Protocol.Command.FAILOVER, "TO", target.host(),
                    Integer.toString(target.port()), "TIMEOUT", Long.toString(timeoutMillisForRedis));
            String answer = r instanceof byte[] b ? new String(b) : String.valueOf(r);
            if (!answer.equals("OK")) {
                throw new IllegalStateException("FAILOVER answered " + answer);
            }
        }
    }

    @Override
    public String info(Address a) {
        try (Jedis j = connect(a, timeoutMillis)) {
            return j.info("replication");
        }
    }

    /** {@code CONFIG GET} of each parameter (one call for all of them); absent when Redis does not know one. */
    @Override
    public java.util.Map<String, String> configGet(Address a, java.util.Collection<String> params) {
        try (Jedis j = connect(a, timeoutMillis)) {
            return io.cfgserver.registry.config.RedisConfig.read(j, params);
        }
    }

    /** Sets and persists managed parameters (see {@link io.cfgserver.registry.config.RedisConfig#apply}). */
    @Override
    public io.cfgserver.registry.config.RedisConfig.Persisted applyConfig(Address a, java.util.Map<String, String> values) {
        try (Jedis j = connect(a, timeoutMillis)) {
            return io.cfgserver.registry.config.RedisConfig.apply(j, values);
        }
    }

    @Override
    public void configSet(Address a, String... pairs) {
        try (Jedis j = connect(a, timeoutMillis)) {
            j.configSet(pairs);
        }
    }
}
