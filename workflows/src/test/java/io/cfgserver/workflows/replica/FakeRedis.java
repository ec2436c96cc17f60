package io.cfgserver.workflows.replica;

import io.cfgserver.activities.redis.InstanceState;
import io.cfgserver.activities.redis.RedisActivities;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-memory {@link RedisActivities}: remembers who replicates whom. The sync wait can be held
 * (it then heartbeats until {@link #releaseSync()}), failed, and REPLICAOF can fail retryably.
 */
final class FakeRedis implements RedisActivities {
    private final Map<String, String> masterOf = new ConcurrentHashMap<>();
    final List<String> detached = new CopyOnWriteArrayList<>();
    final AtomicInteger replicaOfCalls = new AtomicInteger();
    final AtomicInteger syncCalls = new AtomicInteger();
    final AtomicInteger replicaOfFailuresLeft = new AtomicInteger();
    private volatile boolean holdSync;
    private volatile RuntimeException syncFailure;
    private volatile boolean firstSyncAttemptHangs;

    void holdSync() {
        holdSync = true;
    }

    void releaseSync() {
        holdSync = false;
    }

    /** The first sync attempt stops heartbeating and hangs (until released), as on a worker that died. */
    void hangFirstSyncAttempt() {
        firstSyncAttemptHangs = true;
        holdSync = true;
    }

    void failSync(RuntimeException failure) {
        syncFailure = failure;
    }

    String masterOf(String replica) {
        return masterOf.get(replica);
    }

    @Override
    public InstanceState inspect(String address) {
        String master = masterOf.get(address);
        return master == null
                ? new InstanceState(address, InstanceState.Role.MASTER, null, 0, false, false, "id", 0, 0, 0)
                : new InstanceState(address, InstanceState.Role.REPLICA, master.split(":")[0],
                        Integer.parseInt(master.split(":")[1]), true, false, "id", 0, 0, 0);
    }

    @Override
    public void replicaOf(String replica, String master) {
        replicaOfCalls.incrementAndGet();
        if (replicaOfFailuresLeft.getAndDecrement() > 0) {
            throw ApplicationFailure.newFailure("test: connection reset by instance-[" + replica + "]",
                    RedisActivities.FAILURE_UNREACHABLE);
        }
        masterOf.put(replica, master);
    }

    @Override
    public void awaitReplicaSynced(String replica, String master, long maxLagBytes) {
        int call = syncCalls.incrementAndGet();
        if (!master.equals(masterOf.get(replica))) {
            throw ApplicationFailure.newNonRetryableFailure("instance-[" + replica + "] does not replicate instance-["
                    + master + "]", RedisActivities.FAILURE_WRONG_ROLE);
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (holdSync && System.nanoTime() < deadline) {
            if (!(firstSyncAttemptHangs && call == 1)) {
                Activity.getExecutionContext().heartbeat(null);
            }
            if (firstSyncAttemptHangs && call > 1) {
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        RuntimeException failure = syncFailure;
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void detach(String replica) {
        detached.add(replica);
        masterOf.remove(replica);
    }
}
