package io.cfgserver.workflows;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/** Timeouts and retries of activities, by kind. Non-retryable failures are never retried. */
public final class ActivityProfiles {

    private ActivityProfiles() {
    }

    /** Registry reads and commands: short, retried with backoff for up to 30 minutes (no leader, network). */
    public static ActivityOptions registry() {
        return ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setScheduleToCloseTimeout(Duration.ofMinutes(30))
                .setRetryOptions(backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0))
                .build();
    }

    /**
     * Single Redis commands (REPLICAOF, inspect). On cancellation the workflow waits for a running
     * attempt to end, so that cleanup never races a REPLICAOF still in flight.
     */
    public static ActivityOptions redisCommand() {
        return ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setScheduleToCloseTimeout(Duration.ofMinutes(10))
                .setRetryOptions(backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0))
                .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                .build();
    }

    /**
     * Waiting for a replica to catch up: up to 30 minutes per attempt, heartbeating; a worker that
     * dies mid-wait misses its heartbeat and the attempt is retried on another worker after 10 s.
     */
    public static ActivityOptions replicaSync() {
        return ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(30))
                .setHeartbeatTimeout(Duration.ofSeconds(10))
                .setRetryOptions(backoff(Duration.ofSeconds(2), Duration.ofMinutes(1), 10))
                .build();
    }

    /**
     * The data half of a slot move (capture, copy, catch-up, hold): long and heartbeating; a worker
     * that dies mid-copy is noticed within 10 s and the workflow plans and starts the copy again. A cancel
     * reaches it at its next heartbeat, and the workflow waits for it to stop before rolling back (so
     * no copy runs after the rollback deleted the range from the target).
     */
    public static ActivityOptions moveCopy() {
        return ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofHours(6))
                .setHeartbeatTimeout(Duration.ofSeconds(10))
                .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
                // one attempt: the workflow plans a failed copy again from the registry (a new master after a failover)
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build();
    }

    /** Deleting a moved range: heartbeating, retried until done. */
    public static ActivityOptions moveDelete() {
        return ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofHours(6))
                .setHeartbeatTimeout(Duration.ofSeconds(30))
                .setRetryOptions(backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0))
                .build();
    }

    /**
     * A config rollout's step on one group or proxy: heartbeating; a refusal is not retried, an unreachable
     * instance a few times, then the job stops there and waits for a resume.
     */
    public static ActivityOptions configStep() {
        return ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(3))
                .setHeartbeatTimeout(Duration.ofSeconds(15))
                .setRetryOptions(backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 5))
                .build();
    }

    private static RetryOptions backoff(Duration initial, Duration max, int maxAttempts) {
        return RetryOptions.newBuilder()
                .setInitialInterval(initial)
                .setBackoffCoefficient(2.0)
                .setMaximumInterval(max)
                .setMaximumAttempts(maxAttempts)
                .build();
    }
}
