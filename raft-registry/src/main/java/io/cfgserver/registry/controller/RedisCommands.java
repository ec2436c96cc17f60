package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/** The few Redis commands stop-loss sends, each on a fresh short-lived connection with timeouts. */
final class RedisCommands {
    private final int timeoutMillis;

    RedisCommands(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    private Jedis connect(Address a, int readTimeoutMillis) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(readTimeoutMillis)
                .protocol(redis.clients.jedis.RedisProtocol.RESP2).build());
    }

    void promote(Address a) {
        try (Jedis j = connect(a, timeoutMillis)) {
            j.replicaofNoOne();
        }
    }

    void replicaOf(Address a, Address master) {
        try (Jedis j = connect(a, timeoutMillis)) {
            j.replicaof(master.host(), master.port());
        }
    }

    /** Redis 7 {@code FAILOVER TO host port TIMEOUT ms} on the master: pauses writes until the target caught up. */
    void failoverTo(Address master, Address target, long timeoutMillisForRedis) {
        try (Jedis j = connect(master, (int) timeoutMillisForRedis + timeoutMillis)) {
            Object r = j.sendCommand(redis.clients.jedis.Protocol.Command.FAILOVER, "TO", target.host(),
                    Integer.toString(target.port()), "TIMEOUT", Long.toString(timeoutMillisForRedis));
            String answer = r instanceof byte[] b ? new String(b) : String.valueOf(r);
            if (!answer.equals("OK")) {
                throw new IllegalStateException("FAILOVER answered " + answer);
            }
        }
    }

    String info(Address a) {
        try (Jedis j = connect(a, timeoutMillis)) {
            return j.info("replication");
        }
    }

    void configSet(Address a, String... pairs) {
        try (Jedis j = connect(a, timeoutMillis)) {
            j.configSet(pairs);
        }
    }
}
