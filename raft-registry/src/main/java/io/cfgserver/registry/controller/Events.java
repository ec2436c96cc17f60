package io.cfgserver.registry.controller;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.RecordEvent;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where stop-loss says what it saw and did: the log at once, the registry's event log and the metrics
 * observer off the critical path (in order, on {@code executor}). {@link #once} says a thing once per
 * episode (a master's down spell), until {@link #endEpisode}.
 */
final class Events {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

    private final RegistryClient registry;
    private final Clock clock;
    private final Executor executor;
    private volatile ControllerObserver observer = ControllerObserver.NONE;
    private final Set<String> announced = ConcurrentHashMap.newKeySet();
    /** While above 0, recording waits (a failover's commits go first): see {@link #hold}. */
    private final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    private static final long MAX_HOLD_NANOS = 1_000_000_000L;

    Events(RegistryClient registry, Clock clock, Executor executor) {
        this.registry = registry;
        this.clock = clock;
        this.executor = executor;
    }

    void observe(ControllerObserver o) {
        this.observer = o == null ? ControllerObserver.NONE : o;
    }

    ControllerObserver observer() {
        return observer;
    }

    void emit(String cluster, ControllerEvent type, String subject, String message) {
        emit(cluster, type.wire(), subject, message);
    }

    void abort(String cluster, FailoverOutcome outcome, String subject, String message) {
        emit(cluster, ControllerEvent.abort(outcome), subject, message);
    }

    /** Says {@code type} about an episode ({@code episode}: e.g. the group's id) once, until it ends. */
    void once(String episode, String cluster, String type, String subject, String message) {
        if (announced.add(episode + "|" + type)) {
            emit(cluster, type, subject, message);
        }
    }

    void endEpisode(String episode) {
        announced.removeIf(a -> a.startsWith(episode + "|"));
    }

    void clearEpisodes() {
        announced.clear();
    }

    void emit(String cluster, String type, String subject, String message) {
        long at = clock.millis();
        LOG.info("{} {} {}", type, subject, message);
        executor.execute(() -> {
            observed(() -> observer.event(cluster, type));
            if (cluster == null || cluster.isEmpty()) {
                return; // not about one cluster (tilt): the log and the metrics only
            }
            waitWhileHeld();
            try {
                registry.submit(new RecordEvent(cluster, type, subject, message, at));
            } catch (RuntimeException e) {
                LOG.debug("event {} not recorded: {}", type, e.toString());
            }
        });
    }

    /**
     * Recording waits until {@link #release}: a failover's intent and commit are registry writes too, and
     * the events of its detection ({@code +sdown}, {@code +odown}) queued before them would delay them. They
     * are logged at once all the same; recording waits at most a second.
     */
    void hold() {
        held.incrementAndGet();
    }

    void release() {
        held.updateAndGet(n -> Math.max(0, n - 1));
    }

    private void waitWhileHeld() {
        long deadline = System.nanoTime() + MAX_HOLD_NANOS;
        while (held.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Runs an observer call on the events' executor: metrics never delay stop-loss. */
    void later(Runnable r) {
        executor.execute(() -> observed(r));
    }

    private static void observed(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.debug("controller observer failed: {}", e.toString());
        }
    }
}
