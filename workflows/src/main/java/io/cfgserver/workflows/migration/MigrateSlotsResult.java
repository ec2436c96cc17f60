package io.cfgserver.workflows.migration;

import io.cfgserver.activities.migration.Held;

/** What a finished move did. */
public record MigrateSlotsResult(String jobId, String cluster, int from, int to, String source, String target,
        long keysCopied, long bytesCopied, long pausedMillis, long version, long deletedFromSource, int attempts,
        Held.Phases copy, long heldMillis, long cutOverMillis, long cleanupMillis, long totalMillis) {
}
