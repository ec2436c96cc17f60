package io.cfgserver.workflows.migration;

import io.cfgserver.registry.topology.Slots;

/**
 * A {@code migrate-slots} job: move slots {@code from..to} (owned by one group) to {@code target}.
 *
 * @param keysPerBatch   keys per SCAN step and per copy pipeline
 * @param maxPauseMillis the cut-over budget: how long writes to the source may be paused
 * @param maxKeysPerSecond the copy's throttle (bulk copy), 0 for none
 * @param bigKeyBytes    keys of at least this many bytes ({@code MEMORY USAGE}) are copied in chunks
 * @param parentJob      the scale job this move is a step of (it holds the cluster's lock), null for a job of its own
 */
public record MigrateSlotsRequest(String jobId, String cluster, int from, int to, String target, int keysPerBatch,
        long maxPauseMillis, long maxKeysPerSecond, long bigKeyBytes, String parentJob) {
    public static final int DEFAULT_KEYS_PER_BATCH = 5000;
    public static final long DEFAULT_MAX_PAUSE_MILLIS = 200;
    public static final long DEFAULT_BIG_KEY_BYTES = 8L << 20;

    /** A move of {@code from..to} to {@code target} with the default batch, pause, throttle and big-key size. */
    public static MigrateSlotsRequest of(String jobId, String cluster, int from, int to, String target, String parentJob) {
        return new MigrateSlotsRequest(jobId, cluster, from, to, target, DEFAULT_KEYS_PER_BATCH, DEFAULT_MAX_PAUSE_MILLIS, 0,
                DEFAULT_BIG_KEY_BYTES, parentJob);
    }

    /**
     * This request with {@code id} as its job id (a workflow started without one uses its workflow id),
     * and the defaults for the numbers a request started by hand (Temporal UI, CLI) leaves out.
     */
    public MigrateSlotsRequest withJobId(String id) {
        return new MigrateSlotsRequest(id, cluster, from, to, target, keysPerBatch == 0 ? DEFAULT_KEYS_PER_BATCH : keysPerBatch,
                maxPauseMillis == 0 ? DEFAULT_MAX_PAUSE_MILLIS : maxPauseMillis, maxKeysPerSecond,
                bigKeyBytes == 0 ? DEFAULT_BIG_KEY_BYTES : bigKeyBytes, parentJob);
    }

    /** What is wrong with the request, null when nothing is. */
    public String problem() {
        if (jobId == null || jobId.isBlank() || cluster == null || cluster.isBlank()) {
            return "cluster is required, e.g. {\"cluster\":\"demo\",\"from\":0,\"to\":255,\"target\":\"g2\"}";
        }
        if (from < 0 || to >= Slots.COUNT || from > to) {
            return "from and to must satisfy 0 <= from <= to <= " + (Slots.COUNT - 1) + ", got " + from + ".." + to;
        }
        if (target == null || target.isBlank()) {
            return "target (the group that receives the slots) is required";
        }
        if (keysPerBatch < 1 || keysPerBatch > 100_000) {
            return "keysPerBatch must be between 1 and 100000, got " + keysPerBatch;
        }
        if (maxPauseMillis < 10 || maxPauseMillis > 10_000) {
            return "maxPauseMillis must be between 10 and 10000, got " + maxPauseMillis;
        }
        if (maxKeysPerSecond < 0) {
            return "maxKeysPerSecond must be 0 (no throttle) or more, got " + maxKeysPerSecond;
        }
        if (bigKeyBytes < 1024) {
            return "bigKeyBytes must be at least 1024, got " + bigKeyBytes;
        }
        return null;
    }
}
