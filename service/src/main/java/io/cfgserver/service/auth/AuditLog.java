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
 *
 * <p>Refused requests (401/403) cost nothing to send, so they are collapsed before they reach the
 * registry: one line per caller, client host, method and path per minute (the next one says how many
 * like it were not written), and at most {@value #REFUSED_PER_MINUTE} refused lines a minute in all.
 * A console left open with a wrong token, or someone guessing tokens, cannot push the real changes
 * out of the bounded log.
 */
public final class AuditLog implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger("cfgserver.audit");
    static final int QUEUE = 1000;
    static final int REFUSED_PER_MINUTE = 60;
    private static final long MINUTE = 60_000;

    private final RegistryClient registry;
    private final ThreadPoolExecutor executor;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    /** Per (who, host, method, path): when a refused line was last written, and how many were held back since. */
    private final java.util.Map<String, long[]> refusals = new java.util.concurrent.ConcurrentHashMap<>();
    private long windowStart;
    private int windowCount;

    public AuditLog(RegistryClient registry) {
        this.registry = registry;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "audit-log");
            t.setDaemon(true);
            return t;
        }, (r, ex) -> {
            long n = dropped.incrementAndGet();
            if (ex.isShutdown()) {
                LOG.warn("stopping: an audit line not stored in the registry (it stands in this log above)");
            } else {
                LOG.warn("audit queue full ({} lines): line not stored in the registry ({} so far)", QUEUE, n);
            }
        });
    }

    /** Queues a line for the registry and logs it here. */
    public void record(String cluster, AuditEntry line) {
        AuditEntry e = "refused".equals(line.outcome()) ? collapse(line) : line;
        if (e == null) {
            suppressed.incrementAndGet();
            return;
        }
        LOG.info("{} {} {} by {} ({}) from {} -> {} {} body={}", e.outcome(), oneLine(e.method()), oneLine(e.path()),
                oneLine(e.who()), e.role(), oneLine(e.from()), e.status(), oneLine(e.message()), oneLine(e.body()));
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

    /** The refused line to write, with a count of those held back; null: hold this one back. */
    private synchronized AuditEntry collapse(AuditEntry e) {
        long now = e.atMillis();
        String host = e.from().contains(":") ? e.from().substring(0, e.from().lastIndexOf(':')) : e.from();
        String key = e.who() + "|" + host + "|" + e.method() + "|" + e.path();
        if (refusals.size() > 10_000) {
            refusals.clear(); // bounded memory under a flood of distinct keys; the global limit still holds
        }
        long[] seen = refusals.computeIfAbsent(key, k -> new long[] {Long.MIN_VALUE / 2, 0});
        if (now - seen[0] < MINUTE) {
            seen[1]++;
            return null;
        }
        if (now - windowStart >= MINUTE) {
            windowStart = now;
            windowCount = 0;
        }
        if (++windowCount > REFUSED_PER_MINUTE) {
            seen[1]++;
            return null;
        }
        long held = seen[1];
        seen[0] = now;
        seen[1] = 0;
        return held == 0 ? e : new AuditEntry(e.seq(), e.atMillis(), e.who(), e.role(), e.from(), e.peer(), e.method(),
                e.path(), e.body(), e.status(), e.outcome(), e.message() + " (" + held + " more like it before this one,"
                + " not written)");
    }

    /** A field on one log line: no line breaks a caller could use to forge more lines. */
    private static String oneLine(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
    }

    /** Refused lines held back (repeats within a minute, or past the minute's limit). */
    public long suppressed() {
        return suppressed.get();
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
        if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
            int left = executor.shutdownNow().size();
            LOG.warn("stopping: {} audit lines not stored in the registry (they stand in this log above)", left);
        }
    }
}
