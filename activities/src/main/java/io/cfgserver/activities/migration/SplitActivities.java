package io.cfgserver.activities.migration;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The split fast path of a scale-out (docs/migration.md, "Split"): a new, empty group takes a range of
 * one source group by replication instead of a key-by-key copy. The new master replicates the whole
 * source (full sync at RDB speed), is cut over under the same pause and fence as a move, and each
 * side then deletes what it does not own.
 */
@ActivityInterface(namePrefix = "Split")
public interface SplitActivities {
    /** The new master is not empty, not a master, or diverged from the source: the split cannot go on. */
    String FAILURE_REFUSED = "SplitRefused";

    /** The settings a split changes, to put back when it ends. */
    record Saved(String sourceOutputBuffer, String sourceBacklog, String sourceSyncDelay, String sourceRdbCompression,
            String targetMaxmemory, String targetPolicy, String targetDisklessLoad) {
    }

    /**
     * Gives the source an unlimited replica output buffer and a backlog of at least {@code backlogBytes}
     * (a full sync that overruns its buffer starts again from zero), no diskless-sync delay (nothing
     * waits for other replicas to share the transfer) and no RDB compression (on a LAN the CPU it takes
     * costs more than the bytes it saves), the target no {@code maxmemory}, {@code noeviction}
     * (it holds the whole source until it is trimmed) and {@code repl-diskless-load on-empty-db} (it
     * loads the stream as it comes instead of writing it to disk first), and makes the target
     * {@code REPLICAOF} the source. Returns what it replaced; idempotent (an attempt that finds its
     * own settings returns {@code earlier}).
     */
    @ActivityMethod
    Saved attach(String source, String target, long backlogBytes, Saved earlier);

    /**
     * Waits until the target has finished its full sync from the source and is within {@code maxLagBytes}
     * of it. Polls every 50 ms and heartbeats; an instance that does not answer for a moment (it loads
     * the RDB) is polled again rather than failing the attempt.
     */
    @ActivityMethod
    void awaitSynced(String source, String target, long maxLagBytes);

    /**
     * The cut-over's hold: pending stamp on the source, {@code CLIENT PAUSE WRITE}, the source's offset
     * O, wait until the target has applied at least O, fence the source, read the offset again and wait
     * for it too, {@code REPLICAOF NO ONE} on the target, drop the source's stamp it copied. Returns
     * the fence's saved settings. A retry after the target was promoted succeeds only while the source
     * is still fenced (it took no write since).
     */
    @ActivityMethod
    Held hold(String source, String target, long maxPauseMillis, String pendingStamp, SourceFence.Saved fallback);

    /** Deletes from {@code address} every key outside {@code from..to} (the target after the commit), throttled. */
    @ActivityMethod
    long trimOutside(String address, int from, int to, long maxKeysPerSecond);

    /** Detaches the target and deletes every key it holds (rollback: it owned nothing before the split). */
    @ActivityMethod
    void detachAndEmpty(String target);

    /** Puts the settings {@link #attach} replaced back. */
    @ActivityMethod
    void restore(String source, String target, Saved saved);
}
