package io.cfgserver.activities.migration;

/**
 * The source is fenced and every key of the range is on the target as of the fence: the move may
 * commit. {@code saved} is what the fence replaced (to be restored by {@code lift}).
 */
public record Held(SourceFence.Saved saved, long keysCopied, long bytesCopied, int catchUpRounds, long lastRoundKeys,
        long pausedMillis) {
}
