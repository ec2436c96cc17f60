package io.cfgserver.activities.bench;

import io.cfgserver.activities.migration.SlotCopier;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.testing.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.MigrateParams;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * How fast the bulk copy of slot migration moves keys between two local redis-servers: the
 * {@link SlotCopier} (pipelined DUMP + PTTL on the source, pipelined RESTORE REPLACE on the
 * target) against {@code MIGRATE host port "" 0 timeout COPY REPLACE KEYS ...} in batches, the
 * other way the issue names. Same keys, same batch size, each run on a fresh target, rounds
 * alternated; prints medians.
 *
 * <p>{@code tests/bench/slot-copy.sh [--keys 200000] [--value-bytes 100] [--batch 1000] [--rounds 3]}
 */
public final class SlotCopyBench {
    public static void main(String[] args) throws Exception {
        int keys = intArg(args, "--keys", 200_000);
        int valueBytes = intArg(args, "--value-bytes", 100);
        int batch = intArg(args, "--batch", 1000);
        int rounds = intArg(args, "--rounds", 3);
        Path dir = Files.createTempDirectory("cfgserver-slot-copy");
        try (RedisProcess source = RedisProcess.start(dir)) {
            fill(source, keys, valueBytes);
            List<Double> dumpRestore = new ArrayList<>();
            List<Double> migrate = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                try (RedisProcess target = RedisProcess.start(dir)) {
                    dumpRestore.add(rate(keys, () -> viaCopier(source, target, batch)));
                    check(target, keys);
                }
                try (RedisProcess target = RedisProcess.start(dir)) {
                    migrate.add(rate(keys, () -> viaMigrate(source, target, batch)));
                    check(target, keys);
                }
                System.out.printf("round %d: dump/restore %.0f keys/s, migrate %.0f keys/s%n", r + 1,
                        dumpRestore.get(r), migrate.get(r));
            }
            double d = median(dumpRestore);
            double m = median(migrate);
            double mb = d * valueBytes / 1e6;
            System.out.printf("%d keys of %d bytes, batches of %d, %d rounds: dump/restore median %.0f keys/s (%.1f MB/s of"
                    + " values), migrate median %.0f keys/s%n", keys, valueBytes, batch, rounds, d, mb, m);
            System.out.printf("RESULT dump_restore_keys_per_s=%.0f migrate_keys_per_s=%.0f ratio=%.2f dump_restore_mb_per_s=%.1f%n",
                    d, m, d / m, mb);
        }
    }

    interface Run {
        void run() throws Exception;
    }

    static double rate(int keys, Run r) throws Exception {
        long t0 = System.nanoTime();
        r.run();
        return keys / ((System.nanoTime() - t0) / 1e9);
    }

    static void fill(RedisProcess r, int keys, int valueBytes) {
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 'x');
        try (Jedis j = r.jedis()) {
            Pipeline p = j.pipelined();
            for (int i = 0; i < keys; i++) {
                p.set(("key:" + i).getBytes(), value);
                if (i % 10_000 == 0) {
                    p.sync();
                }
            }
            p.sync();
        }
    }

    static void viaCopier(RedisProcess source, RedisProcess target, int batch) {
        try (SlotCopier c = new SlotCopier(Address.parse(source.address()), Address.parse(target.address()), 0, 1023, 10_000)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            SlotCopier.Step s;
            do {
                s = c.copyStep(cursor, batch);
                cursor = s.cursor();
            } while (!s.done());
        }
    }

    static void viaMigrate(RedisProcess source, RedisProcess target, int batch) {
        try (Jedis j = source.jedis()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<byte[]> r = j.scan(cursor.getBytes(), new ScanParams().count(batch));
                if (!r.getResult().isEmpty()) {
                    j.migrate("127.0.0.1", target.port(), 10_000, MigrateParams.migrateParams().copy().replace(),
                            r.getResult().toArray(new byte[0][]));
                }
                cursor = r.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }

    static void check(RedisProcess target, int keys) {
        try (Jedis j = target.jedis()) {
            if (j.dbSize() != keys) {
                throw new IllegalStateException("the target holds " + j.dbSize() + " keys, expected " + keys);
            }
        }
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }

    static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
