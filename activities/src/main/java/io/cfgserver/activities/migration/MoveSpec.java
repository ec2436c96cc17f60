package io.cfgserver.activities.migration;

/**
 * What the data half of a move needs, as planned by the registry half: addresses are
 * {@code host:port}.
 *
 * @param captureFrom   where the change capture reads the stream: a replica of the source when there
 *                      is one, else the source master
 * @param pendingStamp  the source's fencing stamp as it will be after the commit (the next version,
 *                      without the moving slots), written before the pause so that a proxy cut off
 *                      from the registry fences the source group instead of writing moved slots to it
 * @param fallback      the source's {@code min-replicas-*} to restore when a fence of an earlier,
 *                      crashed attempt is found (the policy's values)
 * @param maxKeysPerSecond the copy's throttle, 0 for none
 * @param bigKeyBytes   keys of at least this {@code MEMORY USAGE} are copied in chunks
 */
public record MoveSpec(String cluster, String job, int from, int to, String sourceMaster, String captureFrom,
        String targetMaster, int keysPerBatch, long maxPauseMillis, String pendingStamp, SourceFence.Saved fallback,
        long maxKeysPerSecond, long bigKeyBytes) {
}
