package io.cfgserver.activities.migration;

/**
 * Where the data half of a move is: its heartbeat, shown by {@code GET /v1/jobs/{id}} as
 * {@code copy} and in the Temporal UI as the pending activity's heartbeat details.
 *
 * @param phase          {@code bulk-copy}, {@code big-key} (a key copied in chunks), {@code catch-up} or {@code held}
 * @param keysCopied     keys copied so far (bulk plus re-copied dirty keys)
 * @param keysEstimate   about how many keys the range holds: the source's key count times the share
 *                       of scanned keys that fell in the range (0 before the first scan step)
 * @param bytesCopied    bytes of the values copied
 * @param keysPerSecond  the copy rate since the attempt began
 * @param etaSeconds     about how long the bulk copy still takes, -1 when not known
 * @param dirty          keys written since the capture began and not yet re-copied
 * @param bigKeys        keys copied in chunks (at or above {@code bigKeyBytes})
 * @param cursor         the bulk copy's SCAN cursor
 */
public record CopyProgress(String phase, long keysCopied, long keysEstimate, long bytesCopied, long keysPerSecond,
        long etaSeconds, int dirty, long bigKeys, String cursor) {
}
