package io.cfgserver.activities.redis;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Redis operations of long jobs. Addresses are {@code host:port}. Every method is idempotent.
 *
 * <p>Failures: a Redis that cannot be reached (or answers an error) throws a retryable failure;
 * a request that would destroy data or cannot succeed by retrying throws a non-retryable
 * {@code ApplicationFailure} whose type is one of the {@code FAILURE_*} constants.
 */
@ActivityInterface(namePrefix = "Redis")
public interface RedisActivities {

    /** The instance holds data or replicas of its own, and REPLICAOF would wipe or orphan them. */
    String FAILURE_REFUSED = "ReplicaOfRefused";
    /** The instances are not in the roles the operation needs (e.g. the replica follows another master). */
    String FAILURE_WRONG_ROLE = "WrongRole";
    /** The instance could not be reached or answered an error; retried. */
    String FAILURE_UNREACHABLE = "RedisUnreachable";
    /** The replica did not catch up in time; retried. */
    String FAILURE_NOT_SYNCED = "ReplicaNotSynced";

    /** Role, master, link status, offsets and key count of one instance. */
    @ActivityMethod
    InstanceState inspect(String address);

    /**
     * Makes {@code replica} replicate {@code master}. No-op when it already does. Refuses
     * (non-retryable) when the target holds keys, has replicas of its own, is the master itself,
     * or when {@code master} is not a master: REPLICAOF would wipe the target's data.
     */
    @ActivityMethod
    void replicaOf(String replica, String master);

    /**
     * Returns once {@code replica}'s link to {@code master} is up, both share the replication
     * history and the replica is at most {@code maxLagBytes} behind. Polls both every few hundred
     * milliseconds and heartbeats a {@link SyncProgress}. Fails non-retryably when the replica does
     * not follow {@code master} at all (run {@link #replicaOf} first).
     */
    @ActivityMethod
    void awaitReplicaSynced(String replica, String master, long maxLagBytes);

    /** {@code REPLICAOF NO ONE}: stops replication and keeps the data. No-op on a master. */
    @ActivityMethod
    void detach(String replica);
}
