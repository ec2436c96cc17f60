package io.cfgserver.registry.controller;

import io.cfgserver.registry.config.RedisConfig;
import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * The Redis commands the controller sends: {@link RedisCommands} on a real peer (one short-lived
 * connection each); a recording fake in the controller's unit tests. Every one is idempotent. A
 * failure is a {@link RuntimeException}.
 */
public interface RedisOps {
    void writeStamp(Address master, FencingStamp stamp);

    Optional<FencingStamp> readStamp(Address a);

    /** {@code REPLICAOF NO ONE}. */
    void promote(Address a);

    /** {@code REPLICAOF host port}. */
    void replicaOf(Address a, Address master);

    /** {@code FAILOVER TO host port TIMEOUT ms} on the master: returns once Redis accepted it. */
    void failoverTo(Address master, Address target, long timeoutMillisForRedis);

    /** {@code INFO replication}. */
    String info(Address a);

    Map<String, String> configGet(Address a, Collection<String> params);

    /** {@code CONFIG SET} of every value, then {@code CONFIG REWRITE}. */
    RedisConfig.Persisted applyConfig(Address a, Map<String, String> values);

    /** {@code CONFIG SET k1 v1 k2 v2 ...}. */
    void configSet(Address a, String... pairs);
}
