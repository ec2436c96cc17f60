package io.cfgserver.activities.migration;

import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Slots;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
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
    private final int timeoutMillis;
    private final SourceFence fence;

    public MoveActivitiesImpl() {
        this(5000);
    }

    public MoveActivitiesImpl(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
        this.fence = new SourceFence(timeoutMillis);
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
                        timeoutMillis)) {
            long keys = 0;
            long bytes = 0;
            String cursor = ScanParams.SCAN_POINTER_START;
            SlotCopier.Step step;
            do {
                step = copier.copyStep(cursor, spec.keysPerBatch());
                cursor = step.cursor();
                keys += step.copied();
                bytes += step.bytes();
                check(capture, spec);
                heartbeat("bulk copy", keys, bytes, capture);
            } while (!step.done());
            int rounds = 0;
            long lastRound = 0;
            while (true) {
                rounds++;
                List<byte[]> dirty = capture.drainDirty(Integer.MAX_VALUE);
                lastRound = dirty.size();
                for (int i = 0; i < dirty.size(); i += spec.keysPerBatch()) {
                    bytes += copier.copy(dirty.subList(i, Math.min(dirty.size(), i + spec.keysPerBatch())));
                }
                keys += dirty.size();
                check(capture, spec);
                heartbeat("catch-up round " + rounds, keys, bytes, capture);
                if (capture.dirtyCount() <= spec.keysPerBatch() || rounds >= MAX_ROUNDS) {
                    break;
                }
            }
            writeStamp(source, spec.pendingStamp());
            long pauseStart = System.nanoTime();
            long offset = fence.pauseWrites(source, spec.maxPauseMillis());
            try {
                if (!capture.awaitOffset(offset, Duration.ofMillis(spec.maxPauseMillis()))) {
                    check(capture, spec);
                    throw new IllegalStateException("the capture did not reach offset " + offset + " of " + source
                            + " within the pause of " + spec.maxPauseMillis() + " ms (at " + capture.offset() + ")");
                }
                List<byte[]> last = capture.drainDirty(Integer.MAX_VALUE);
                for (int i = 0; i < last.size(); i += spec.keysPerBatch()) {
                    bytes += copier.copy(last.subList(i, Math.min(last.size(), i + spec.keysPerBatch())));
                }
                keys += last.size();
                check(capture, spec);
                SourceFence.Saved saved = fence.fence(source, spec.fallback());
                long paused = (System.nanoTime() - pauseStart) / 1_000_000;
                log.info("+migration-hold migration-[{}] {} fenced after {} ms of pause: {} keys, {} bytes, {} rounds",
                        spec.job(), source, paused, keys, bytes, rounds);
                return new Held(saved, keys, bytes, rounds, last.size(), paused);
            } catch (RuntimeException e) {
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

    private static void check(ChangeCapture capture, MoveSpec spec) {
        capture.failure().ifPresent(f -> {
            if (f.abortsMove()) {
                throw ApplicationFailure.newNonRetryableFailure(f.reason(), FAILURE_ABORT);
            }
            throw new IllegalStateException("migration-[" + spec.job() + "]: " + f.reason() + "; copying again");
        });
    }

    private static void heartbeat(String phase, long keys, long bytes, ChangeCapture capture) {
        try {
            Activity.getExecutionContext().heartbeat(phase + ": " + keys + " keys, " + bytes + " bytes, " + capture.dirtyCount()
                    + " dirty");
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

    @Override
    public long deleteRange(String address, int from, int to) {
        long deleted = 0;
        try (Jedis j = connect(Address.parse(address), 0)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<byte[]> r = j.scan(cursor.getBytes(), new ScanParams().count(1000));
                List<byte[]> keys = r.getResult().stream().filter(k -> {
                    int s = Slots.slot(k);
                    return s >= from && s <= to;
                }).toList();
                if (!keys.isEmpty()) {
                    deleted += j.unlink(keys.toArray(new byte[0][]));
                }
                cursor = r.getCursor();
                try {
                    Activity.getExecutionContext().heartbeat(deleted);
                } catch (IllegalStateException e) {
                    // outside an activity
                }
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        return deleted;
    }

    private Jedis connect(Address a, int db) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis).database(db)
                .protocol(RedisProtocol.RESP2).build());
    }
}
