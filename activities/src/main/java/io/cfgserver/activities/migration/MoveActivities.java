package io.cfgserver.activities.migration;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The data half of a slot move (docs/migration.md). {@link #copyAndHold} is one long, heartbeating
 * activity because the change capture must live from before the first key is copied until the source
 * is fenced; a retried attempt starts the copy over (values are copied with REPLACE, so that is
 * safe) after lifting a fence an earlier attempt may have left.
 */
@ActivityInterface(namePrefix = "Move")
public interface MoveActivities {
    /** Abort the move (non-retryable): the source was flushed, or its stream has a command whose keys cannot be known. */
    String FAILURE_ABORT = "MoveAborted";

    /** Capture, bulk copy, catch-up rounds, pending stamp, pause, last keys, fence. */
    @ActivityMethod
    Held copyAndHold(MoveSpec spec);

    /** Lifts the fence and the pause on the source (idempotent). */
    @ActivityMethod
    void lift(String source, SourceFence.Saved saved);

    /**
     * Deletes the range's keys from {@code address} (the source after the commit, the target on
     * rollback), or from its master when it has been made a replica since (its group failed over):
     * SCAN + UNLINK, at most {@code maxKeysPerSecond} keys a second (0: no limit).
     */
    @ActivityMethod
    long deleteRange(String address, int from, int to, long maxKeysPerSecond);
}
