package io.cfgserver.activities.migration;

import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Slots;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** {@link MoveActivities} with {@link ChangeCapture}, {@link SlotCopier} and {@link SourceFence}. */
public class MoveActivitiesImpl implements MoveActivities {
    private static final Logger log = LoggerFactory.getLogger(MoveActivitiesImpl.class);
    private static final int MAX_ROUNDS = 50;
    /** The longest wait before the hold for silent proxies to come back (agent restarts take seconds). */
    static final Duration MAX_PROXY_WAIT = Duration.ofSeconds(60);
    private final int timeoutMillis;
    private final SourceFence fence;
    private final ProxyGate proxies;

    public MoveActivitiesImpl() {
        this(5000, ProxyGate.NONE);
    }

    public MoveActivitiesImpl(ProxyGate proxies) {
        this(5000, proxies);
    }

    public MoveActivitiesImpl(int timeoutMillis) {
        this(timeoutMillis, ProxyGate.NONE);
    }

    public MoveActivitiesImpl(int timeoutMillis, ProxyGate proxies) {
        this.timeoutMillis = timeoutMillis;
        this.fence = new SourceFence(timeoutMillis);
        this.proxies = proxies;
    }

    @Override
    public Held copyAndHold(MoveSpec spec) {
        Address source = Address.parse(spec.sourceMaster());
        if (fence.fenced(source)) {
            // an earlier attempt died after fencing and before the commit: the source still owns the slots
            log.warn("migration-[{}] found {} fenced by an earlier attempt: lifting it and copying again", spec.job(), source);
            fence.lift(source, spec.fallback());
        }
        try (ChangeCapture capture = ChangeCapture.start(Address.parse(spec.captureFrom()), spec.from(), spec.to(),
                Duration.ofMillis(timeoutMillis));
                SlotCopier copier = new SlotCopier(source, Address.parse(spec.targetMaster()), spec.from(), spec.to(),
                        timeoutMillis, spec.bigKeyBytes() > 0 ? spec.bigKeyBytes() : Long.MAX_VALUE)) {
            // An earlier attempt may have copied a key the source has deleted since, while this attempt's capture
            // was not yet reading: its copy would outlive it on the target. Before the commit the target does
            // not serve the range, so the attempt starts from a target without any of it.
            long purged = 0;
            String purge = ScanParams.SCAN_POINTER_START;
            do {
                SlotCopier.Step s = copier.deleteStepOnTarget(purge, 1000);
                purge = s.cursor();
                purged += s.copied();
            } while (!purge.equals(ScanParams.SCAN_POINTER_START));
            if (purged > 0) {
                log.info("migration-[{}] deleted {} keys of the range an earlier attempt left on {}", spec.job(), purged,
                        spec.targetMaster());
            }
            Meter meter = new Meter(spec.maxKeysPerSecond(), dbSize(source));
            String cursor = ScanParams.SCAN_POINTER_START;
            String[] at = {cursor};
            copier.onChunk(() -> heartbeat(meter.progress("big-key", capture, copier, at[0], false)));
            SlotCopier.Step step;
            do {
                step = copier.copyStep(cursor, spec.keysPerBatch());
                cursor = step.cursor();
                at[0] = cursor;
                meter.scanned(step.scanned(), step.copied(), step.bytes());
                check(capture, spec);
                heartbeat(meter.progress("bulk-copy", capture, copier, cursor, true));
                for (long ahead = meter.aheadNanos(); ahead > 0; ahead = meter.aheadNanos()) {
                    long nanos = Math.min(ahead, 1_000_000_000L);
                    Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
                    heartbeat(meter.progress("bulk-copy", capture, copier, cursor, true));
                }
            } while (!step.done());
            long bulkEnd = System.nanoTime();
            long bulkKeys = meter.keys;
            long bulkBytes = meter.bytes;
            int rounds = 0;
            while (true) {
                rounds++;
                copyDirty(capture, copier, spec, meter);
                check(capture, spec);
                heartbeat(meter.progress("catch-up", capture, copier, cursor, false));
                // small enough to copy within half the pause, at the rate this attempt has copied so far
                long fitsInPause = Math.max(100, meter.keysPerSecond() * spec.maxPauseMillis() / 2000);
                if (capture.dirtyCount() <= fitsInPause || rounds >= MAX_ROUNDS) {
                    break;
                }
            }
            awaitSilentProxies(capture, copier, spec, meter, cursor);
            long catchUpKeys = meter.keys - bulkKeys;
            long catchUpMillis = (System.nanoTime() - bulkEnd) / 1_000_000;
            writeStamp(source, spec.pendingStamp());
            long pauseStart = System.nanoTime();
            long offset = fence.pauseWrites(source, spec.maxPauseMillis());
            SourceFence.Saved saved = null;
            try {
                awaitCapture(capture, spec, source, offset);
                int last = copyDirty(capture, copier, spec, meter);
                check(capture, spec);
                saved = fence.fence(source, spec.fallback());
                long paused = (System.nanoTime() - pauseStart) / 1_000_000;
                // Under the fence the source takes no write at all, with no timeout. Whatever reached it after
                // the pause ran out (the last keys took longer than the budget) is in the stream up to this
                // offset: copy it too. Only then is every acknowledged write of the range on the target.
                long fencedAt = fence.offset(source);
                awaitCapture(capture, spec, source, fencedAt);
                int late = copyDirty(capture, copier, spec, meter);
                check(capture, spec);
                heartbeat(meter.progress("held", capture, copier, cursor, false));
                if (late > 0) {
                    log.warn("migration-[{}] {} keys were written after the pause of {} ms ran out and before the fence:"
                            + " copied under the fence", spec.job(), late, spec.maxPauseMillis());
                }
                log.info("+migration-hold migration-[{}] {} fenced after {} ms of pause: {} keys, {} bytes, {} rounds,"
                        + " {} big keys in chunks", spec.job(), source, paused, meter.keys, meter.bytes, rounds,
                        copier.bigKeysCopied());
                return new Held(saved, meter.keys, meter.bytes, rounds, last + late, paused, new Held.Phases(bulkKeys,
                        bulkBytes, (bulkEnd - meter.startNanos) / 1_000_000, catchUpKeys, catchUpMillis,
                        copier.bigKeysCopied()));
            } catch (RuntimeException e) {
                if (saved != null) {
                    liftQuietly(source, saved); // nothing is committed: the source owns the slots again
                }
                unpause(source);
                throw e;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the replication stream of " + spec.captureFrom() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the cut-over of migration-[" + spec.job() + "]", e);
        }
    }

    private void awaitCapture(ChangeCapture capture, MoveSpec spec, Address source, long offset) throws InterruptedException {
        if (!capture.awaitOffset(offset, Duration.ofMillis(Math.max(spec.maxPauseMillis(), 1000)))) {
            check(capture, spec);
            throw new IllegalStateException("the capture did not reach offset " + offset + " of " + source
                    + " in time (at " + capture.offset() + ")");
        }
    }

    /**
     * While a proxy is silent (its agent dead, or cut off from the registry: nothing tells which), a
     * hold would last until it surely cannot route the moved slots to the source — its
     * {@code unattendedMillis} past the stamp (the cut-over's wait). So wait here for it to come back,
     * at most {@link #MAX_PROXY_WAIT}, copying what changes meanwhile; writes go on. A proxy that stays
     * silent (a host that is gone: remove it from the cluster) then costs the hold that wait.
     */
    private void awaitSilentProxies(ChangeCapture capture, SlotCopier copier, MoveSpec spec, Meter meter, String cursor)
            throws InterruptedException {
        long giveUpAt = System.currentTimeMillis() + MAX_PROXY_WAIT.toMillis();
        long waitedFrom = 0;
        while (true) {
            List<String> silent = proxies.silentProxies(spec.cluster());
            long now = System.currentTimeMillis();
            if (silent.isEmpty() || now >= giveUpAt) {
                if (waitedFrom > 0) {
                    log.info("migration-[{}] waited {} ms before the hold for silent proxies{}", spec.job(), now - waitedFrom,
                            silent.isEmpty() ? "" : "; still silent: " + silent + " — holding anyway, the cut-over keeps"
                                    + " the source fenced until they cannot route the moved slots to it (remove a proxy"
                                    + " that is gone from the cluster)");
                }
                return;
            }
            if (waitedFrom == 0) {
                waitedFrom = now;
                log.info("migration-[{}] {} silent: waiting up to {} s before the hold for them to come back, so the"
                        + " source's writes are not refused while they might still serve the old map", spec.job(), silent,
                        MAX_PROXY_WAIT.toSeconds());
            }
            Thread.sleep(500);
            copyDirty(capture, copier, spec, meter);
            check(capture, spec);
            heartbeat(meter.progress("proxy-wait", capture, copier, cursor, false));
        }
    }

    /** Re-copies the keys dirty now; returns how many. */
    private static int copyDirty(ChangeCapture capture, SlotCopier copier, MoveSpec spec, Meter meter) {
        List<byte[]> dirty = capture.drainDirty(Integer.MAX_VALUE);
        for (int i = 0; i < dirty.size(); i += spec.keysPerBatch()) {
            List<byte[]> batch = dirty.subList(i, Math.min(dirty.size(), i + spec.keysPerBatch()));
            meter.copied(batch.size(), copier.copy(batch));
        }
        return dirty.size();
    }

    /** Counts, rate, estimate and the throttle of one copy attempt. */
    static final class Meter {
        private final long maxKeysPerSecond;
        private final long sourceKeys;
        final long startNanos = System.nanoTime();
        long keys;
        long bytes;
        private long scanned;
        private long inRange;
        private long bulkKeys;

        Meter(long maxKeysPerSecond, long sourceKeys) {
            this.maxKeysPerSecond = maxKeysPerSecond;
            this.sourceKeys = sourceKeys;
        }

        void scanned(int scannedKeys, int copiedKeys, long copiedBytes) {
            scanned += scannedKeys;
            inRange += copiedKeys;
            bulkKeys += copiedKeys;
            copied(copiedKeys, copiedBytes);
        }

        void copied(int n, long b) {
            keys += n;
            bytes += b;
        }

        long estimate() {
            return scanned == 0 ? 0 : Math.max(inRange, Math.round((double) sourceKeys * inRange / scanned));
        }

        /** How far the copy is ahead of {@code maxKeysPerSecond} (0 when unthrottled or behind). */
        long aheadNanos() {
            if (maxKeysPerSecond <= 0) {
                return 0;
            }
            return Math.max(0, keys * 1_000_000_000L / maxKeysPerSecond - (System.nanoTime() - startNanos));
        }

        long keysPerSecond() {
            return Math.round(keys / Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9));
        }

        CopyProgress progress(String phase, ChangeCapture capture, SlotCopier copier, String cursor, boolean bulk) {
            double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
            long rate = keysPerSecond();
            long eta = -1;
            if (!bulk) {
                eta = 0;
            } else if (bulkKeys > 0 && estimate() > 0) {
                eta = Math.round(Math.max(0, estimate() - bulkKeys) / Math.max(1.0, bulkKeys / seconds));
            }
            return new CopyProgress(phase, keys, estimate(), bytes, rate, eta, capture.dirtyCount(), copier.bigKeysCopied(),
                    cursor);
        }
    }

    private long dbSize(Address a) {
        try (Jedis j = connect(a, 0)) {
            return j.dbSize();
        }
    }

    private static void check(ChangeCapture capture, MoveSpec spec) {
        capture.failure().ifPresent(f -> {
            if (f.abortsMove()) {
                throw ApplicationFailure.newNonRetryableFailure(f.reason(), FAILURE_ABORT);
            }
            throw new IllegalStateException("migration-[" + spec.job() + "]: " + f.reason() + "; copying again");
        });
    }

    private static void heartbeat(CopyProgress progress) {
        try {
            Activity.getExecutionContext().heartbeat(progress);
        } catch (IllegalStateException e) {
            // called outside an activity (tests): no heartbeat
        }
    }

    private void writeStamp(Address source, String stamp) {
        if (stamp == null || stamp.isEmpty()) {
            return;
        }
        try (Jedis j = connect(source, FencingStamp.DB)) {
            j.set(FencingStamp.KEY, stamp);
        }
    }

    private void liftQuietly(Address source, SourceFence.Saved saved) {
        try {
            fence.lift(source, saved);
        } catch (RuntimeException e) {
            log.warn("lifting the fence on {} failed (the next attempt or the rollback lifts it): {}", source, e.toString());
        }
    }

    private void unpause(Address source) {
        try (Jedis j = connect(source, 0)) {
            j.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "UNPAUSE");
        } catch (RuntimeException e) {
            log.warn("CLIENT UNPAUSE on {} failed (the pause runs out by itself): {}", source, e.toString());
        }
    }

    @Override
    public void lift(String source, SourceFence.Saved saved) {
        fence.lift(Address.parse(source), saved);
    }

    /**
     * Deletes on {@code address}, or, when that instance is now a replica (its group failed over
     * since the plan was made, and the controller demoted it), on the master it replicates: the
     * group's master now. Deleting on the demoted one would fail with {@code READONLY} on every
     * retry and the move would never end (found by the chaos soak); the deletes reach the old one
     * by replication. One hop only: a replica of a replica is not followed.
     */
    @Override
    public long deleteRange(String address, int from, int to, long maxKeysPerSecond) {
        Address where = Address.parse(address);
        try (Jedis j = connect(where, 0)) {
            Optional<Address> master = masterOfReplica(j);
            if (master.isEmpty()) {
                return deleteWhere(j, slot -> slot >= from && slot <= to, maxKeysPerSecond);
            }
            log.info("{} is a replica of {} now: the range's keys are deleted there", where.logId(), master.get().logId());
            try (Jedis m = connect(master.get(), 0)) {
                if (masterOfReplica(m).isPresent()) {
                    throw new IllegalStateException(master.get().logId() + ", the master of " + where.logId()
                            + ", is a replica itself: the group is failing over; retrying");
                }
                return deleteWhere(m, slot -> slot >= from && slot <= to, maxKeysPerSecond);
            }
        }
    }

    /** The master this instance replicates, if it is a replica. */
    static Optional<Address> masterOfReplica(Jedis j) {
        String host = null;
        String port = null;
        boolean replica = false;
        for (String line : j.info("replication").split("\r?\n")) {
            if (line.equals("role:slave")) {
                replica = true;
            } else if (line.startsWith("master_host:")) {
                host = line.substring("master_host:".length());
            } else if (line.startsWith("master_port:")) {
                port = line.substring("master_port:".length());
            }
        }
        if (!replica || host == null || port == null) {
            return Optional.empty();
        }
        return Optional.of(Address.parse(host + ":" + port));
    }

    /**
     * Deletes every key of database 0 whose slot passes {@code inScope}: SCAN + UNLINK, heartbeating each
     * step, at most {@code maxKeysPerSecond} keys a second (0: no limit). Returns how many it deleted.
     */
    static long deleteWhere(Jedis j, java.util.function.IntPredicate inScope, long maxKeysPerSecond) {
        long deleted = 0;
        long started = System.nanoTime();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<byte[]> r = j.scan(cursor.getBytes(), new ScanParams().count(1000));
            List<byte[]> keys = r.getResult().stream().filter(k -> inScope.test(Slots.slot(k))).toList();
            if (!keys.isEmpty()) {
                deleted += j.unlink(keys.toArray(new byte[0][]));
            }
            cursor = r.getCursor();
            try {
                Activity.getExecutionContext().heartbeat(deleted);
            } catch (IllegalStateException e) {
                // outside an activity
            }
            if (maxKeysPerSecond > 0) {
                long ahead = deleted * 1_000_000_000L / maxKeysPerSecond - (System.nanoTime() - started);
                if (ahead > 0) {
                    sleep(Math.min(ahead, 1_000_000_000L)); // a step at a time: the heartbeat goes on
                }
            }
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return deleted;
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deleting a range", e);
        }
    }

    private Jedis connect(Address a, int db) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis).database(db)
                .protocol(RedisProtocol.RESP2).build());
    }
}
