package io.cfgserver.activities.migration;

/**
 * The source is fenced and every key of the range is on the target as of the fence: the move may
 * commit. {@code saved} is what the fence replaced (to be restored by {@code lift}).
 */
public record Held(SourceFence.Saved saved, long keysCopied, long bytesCopied, int catchUpRounds, long lastRoundKeys,
        long pausedMillis, Phases phases) {
    /** How the attempt that held the source spent its time: the bulk copy, then the catch-up rounds. */
    public record Phases(long bulkKeys, long bulkBytes, long bulkMillis, long catchUpKeys, long catchUpMillis, long bigKeys) {
    }
}
