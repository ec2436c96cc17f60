package io.cfgserver.service.auth;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.RecordAudit;
import io.cfgserver.registry.topology.AuditEntry;
import io.dropwizard.lifecycle.Managed;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes audit lines to the registry off the request thread (a request does not wait for its audit
 * line), one at a time, in order. Every line also goes to this peer's log ({@code cfgserver.audit}),
 * so it is kept even when the registry cannot take it (no leader): then the log line says so. A
 * queue of {@value #QUEUE} bounds memory when requests come faster than the registry takes lines;
 * lines past it are dropped, counted and logged.
 */
public final class AuditLog implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger("cfgserver.audit");
    static final int QUEUE = 1000;

    private final RegistryClient registry;
    private final ThreadPoolExecutor executor;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    public AuditLog(RegistryClient registry) {
        this.registry = registry;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "audit-log");
            t.setDaemon(true);
            return t;
        }, (r, ex) -> {
            long n = dropped.incrementAndGet();
            LOG.warn("audit queue full ({} lines): line dropped ({} so far)", QUEUE, n);
        });
    }

    /** Queues a line for the registry and logs it here. */
    public void record(String cluster, AuditEntry e) {
        LOG.info("{} {} {} by {} ({}) from {} -> {} {} body={}", e.outcome(), e.method(), e.path(), e.who(), e.role(),
                e.from(), e.status(), e.message(), e.body());
        executor.execute(() -> {
            try {
                registry.submit(new RecordAudit(cluster, e, e.atMillis()));
            } catch (RuntimeException ex) {
                failed.incrementAndGet();
                LOG.warn("audit line not stored in the registry ({}); it stands in this log only: {} {} by {} -> {}",
                        ex.getMessage(), e.method(), e.path(), e.who(), e.status());
            }
        });
    }

    public long dropped() {
        return dropped.get();
    }

    public long failed() {
        return failed.get();
    }

    @Override
    public void stop() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
