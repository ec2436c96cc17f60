package io.cfgserver.activities.redis;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@link RedisActivities} over Jedis: one short-lived connection per instance and call, with
 * connect and socket timeouts. Usable without Temporal: heartbeats are then dropped.
 */
public class RedisActivitiesImpl implements RedisActivities {
    private static final Logger log = LoggerFactory.getLogger(RedisActivitiesImpl.class);

    private final JedisClientConfig clientConfig;
    private final Duration pollInterval;
    private final Duration maxSyncWait;

    /** Connect timeout 2 s, socket timeout 5 s, poll every 200 ms, give up waiting for a sync after 30 min. */
    public RedisActivitiesImpl() {
        this(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofMinutes(30));
    }

    /**
     * @param maxSyncWait how long one {@link #awaitReplicaSynced} call waits before failing
     *                    (retryably); it bounds plain calls, Temporal's start-to-close bounds it too
     */
    public RedisActivitiesImpl(Duration connectTimeout, Duration socketTimeout, Duration pollInterval,
            Duration maxSyncWait) {
        this.clientConfig = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) connectTimeout.toMillis())
                .socketTimeoutMillis((int) socketTimeout.toMillis())
                .protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .clientName("cfgserver-activities")
                .build();
        this.pollInterval = pollInterval;
        this.maxSyncWait = maxSyncWait;
    }

    @Override
    public InstanceState inspect(String address) {
        Address a = address(address, "address");
        try (Jedis jedis = connect(a)) {
            return inspect(a, jedis);
        }
    }

    @Override
    public void replicaOf(String replica, String master) {
        Address r = address(replica, "replica");
        Address m = address(master, "master");
        if (r.equals(m)) {
            throw ApplicationFailure.newNonRetryableFailure(r.logId() + " cannot replicate itself: pick another"
                    + " instance as the new replica", FAILURE_WRONG_ROLE);
        }
        try (Jedis rj = connect(r); Jedis mj = connect(m)) {
            InstanceState target = inspect(r, rj);
            if (target.replicates(m.toString())) {
                log.info("{} already replicates {}: nothing to do", r.logId(), m.logId());
                return;
            }
            InstanceState source = inspect(m, mj);
            if (source.role() != InstanceState.Role.MASTER) {
                throw ApplicationFailure.newNonRetryableFailure(m.logId() + " is not a master (it replicates instance-["
                        + source.masterAddress() + "]): the registry's view of the group is stale;"
                        + " retry the job once the group has settled", FAILURE_WRONG_ROLE);
            }
            if (target.dbSize() > 0) {
                throw ApplicationFailure.newNonRetryableFailure(r.logId() + " holds " + target.dbSize()
                        + " keys and does not replicate " + m.logId() + " (its master: " + target.masterAddress()
                        + "): REPLICAOF would wipe them. Empty it (FLUSHALL) if the data is not needed,"
                        + " or pick an empty instance", FAILURE_REFUSED);
            }
            if (target.connectedReplicas() > 0) {
                throw ApplicationFailure.newNonRetryableFailure(r.logId() + " has " + target.connectedReplicas()
                        + " replicas of its own: detach them first or pick another instance", FAILURE_REFUSED);
            }
            String reply = rj.replicaof(m.host(), m.port());
            log.info("{} REPLICAOF {}: {}", r.logId(), m.logId(), reply);
        } catch (JedisException e) {
            throw unreachable("REPLICAOF " + m + " on " + r.logId(), e);
        }
    }

    @Override
    public void awaitReplicaSynced(String replica, String master, long maxLagBytes) {
        Address r = address(replica, "replica");
        Address m = address(master, "master");
        Consumer<SyncProgress> heartbeat = heartbeat();
        long deadline = System.nanoTime() + maxSyncWait.toNanos();
        try (Jedis rj = connect(r); Jedis mj = connect(m)) {
            while (true) {
                // Master first: a replica offset read later that reaches it proves the replica caught up.
                InstanceState source = inspect(m, mj);
                InstanceState target = inspect(r, rj);
                if (!target.replicates(m.toString())) {
                    throw ApplicationFailure.newNonRetryableFailure(r.logId() + " does not replicate " + m.logId()
                            + " (role " + target.role() + ", master " + target.masterAddress()
                            + "): run replicaOf first", FAILURE_WRONG_ROLE);
                }
                if (source.role() != InstanceState.Role.MASTER) {
                    throw ApplicationFailure.newNonRetryableFailure(m.logId() + " is no longer a master (it replicates"
                            + " instance-[" + source.masterAddress() + "]): the group failed over; retry the job",
                            FAILURE_WRONG_ROLE);
                }
                long lag = source.replicationOffset() - target.replicationOffset();
                SyncProgress progress = new SyncProgress(r.toString(), m.toString(), target.masterLinkUp(),
                        target.syncInProgress(), source.replicationOffset(), target.replicationOffset(), lag);
                heartbeat.accept(progress);
                boolean sameHistory = source.replicationId() != null
                        && source.replicationId().equals(target.replicationId());
                if (target.masterLinkUp() && sameHistory && lag <= maxLagBytes) {
                    log.info("{} caught up with {}: lag {} bytes (max {})", r.logId(), m.logId(), lag, maxLagBytes);
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw ApplicationFailure.newFailure(progress.describe() + " after waiting " + maxSyncWait
                            + " (max lag " + maxLagBytes + " bytes)", FAILURE_NOT_SYNCED);
                }
                sleep(pollInterval);
            }
        } catch (JedisException e) {
            throw unreachable("waiting for " + r.logId() + " to catch up with " + m.logId(), e);
        }
    }

    @Override
    public void detach(String replica) {
        Address r = address(replica, "replica");
        try (Jedis rj = connect(r)) {
            InstanceState state = inspect(r, rj);
            if (state.role() == InstanceState.Role.MASTER) {
                return;
            }
            rj.replicaofNoOne();
            log.info("{} detached from instance-[{}] (REPLICAOF NO ONE)", r.logId(), state.masterAddress());
        } catch (JedisException e) {
            throw unreachable("REPLICAOF NO ONE on " + r.logId(), e);
        }
    }

    private InstanceState inspect(Address a, Jedis jedis) {
        try {
            return InstanceState.parse(a.toString(), jedis.info("replication"), jedis.dbSize());
        } catch (JedisException e) {
            throw unreachable("INFO replication on " + a.logId(), e);
        }
    }

    /** Jedis connects (and fails) in its constructor. */
    private Jedis connect(Address a) {
        try {
            return new Jedis(new HostAndPort(a.host(), a.port()), clientConfig);
        } catch (JedisException e) {
            throw unreachable("connecting to " + a.logId(), e);
        }
    }

    private static Address address(String text, String what) {
        try {
            return Address.parse(text);
        } catch (InvalidTopologyException e) {
            throw ApplicationFailure.newNonRetryableFailure(what + ": " + e.getMessage(), "InvalidAddress");
        }
    }

    private static ApplicationFailure unreachable(String what, JedisException e) {
        return ApplicationFailure.newFailureWithCause(what + " failed: " + e.getMessage(), FAILURE_UNREACHABLE, e);
    }

    /** Temporal's heartbeat inside an activity; nothing when called as a plain method. */
    private static Consumer<SyncProgress> heartbeat() {
        ActivityExecutionContext context;
        try {
            context = Activity.getExecutionContext();
        } catch (IllegalStateException notInActivity) {
            return progress -> { };
        }
        return context::heartbeat;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApplicationFailure.newFailure("interrupted while waiting for a replica to catch up", "Interrupted");
        }
    }
}
