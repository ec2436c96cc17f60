package io.cfgserver.registry.server;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * Retries a Ratis client call, with a short sleep between attempts, until a per-call deadline.
 * Ratis' blocking API consults the retry policy on the calling thread and reuses the call id for
 * every attempt (so the leader's retry cache applies a command at most once); the deadline is
 * therefore kept in a thread-local set by {@link #within}. Outside {@link #within} (calls Ratis
 * makes on its own threads) it allows a bounded number of attempts.
 */
final class DeadlineRetryPolicy implements RetryPolicy {
    private static final ThreadLocal<Long> DEADLINE_NANOS = new ThreadLocal<>();
    private static final int ATTEMPTS_WITHOUT_DEADLINE = 20;

    private final TimeDuration sleep;

    DeadlineRetryPolicy(Duration sleep) {
        this.sleep = TimeDuration.valueOf(sleep.toMillis(), TimeUnit.MILLISECONDS);
    }

    @FunctionalInterface
    interface IoCall<T> {
        T call() throws IOException;
    }

    /** Runs {@code call} on this thread, letting Ratis retry it until {@code timeout} has passed. */
    <T> T within(Duration timeout, IoCall<T> call) throws IOException {
        Long outer = DEADLINE_NANOS.get();
        DEADLINE_NANOS.set(System.nanoTime() + timeout.toNanos());
        try {
            return call.call();
        } finally {
            if (outer == null) {
                DEADLINE_NANOS.remove();
            } else {
                DEADLINE_NANOS.set(outer);
            }
        }
    }

    @Override
    public Action handleAttemptFailure(Event event) {
        Long deadline = DEADLINE_NANOS.get();
        boolean retry = deadline == null
                ? event.getAttemptCount() < ATTEMPTS_WITHOUT_DEADLINE
                : System.nanoTime() + sleep.toLong(TimeUnit.NANOSECONDS) < deadline;
        return retry ? () -> sleep : NO_RETRY_ACTION;
    }

    @Override
    public String toString() {
        return "DeadlineRetryPolicy(sleep=" + sleep + ")";
    }
}
