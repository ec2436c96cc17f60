package io.cfgserver.registry.bench;

import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.server.RegistryCluster;
import io.cfgserver.registry.server.RegistryPeer;
import io.cfgserver.registry.topology.Address;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Registry benchmark: three peers in this JVM on loopback. Measures sequential write latency,
 * concurrent write latency and throughput, and the time from closing the leader to the next
 * successful write (the closed peer is restarted between rounds).
 *
 * <pre>
 * mvn -q -B -pl raft-registry test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp raft-registry/target/classes:raft-registry/target/test-classes:$(cat raft-registry/target/cp.txt) \
 *     io.cfgserver.registry.bench.RegistryBench [--writes 500] [--threads 8] [--per-thread 100] [--rounds 5]
 * </pre>
 *
 * Prints a readable summary and one {@code RESULT key=value ...} line for scripts.
 */
public final class RegistryBench {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AtomicLong CLOCK = new AtomicLong(1_000);

    private RegistryBench() {
    }

    public static void main(String[] args) throws Exception {
        int writes = intArg(args, "--writes", 500);
        int threads = intArg(args, "--threads", 8);
        int perThread = intArg(args, "--per-thread", 100);
        int rounds = intArg(args, "--rounds", 5);
        Path dir = Files.createTempDirectory("registry-bench");
        try (RegistryCluster cluster = RegistryCluster.start(3, dir, c -> c)) {
            RegistryPeer leader = cluster.awaitLeader(WAIT);
            leader.submit(new CreateCluster("bench", List.of(new GroupSpec("g1", Address.parse("127.0.0.1:7001"),
                    List.of())), List.of(), CLOCK.incrementAndGet()));
            for (int i = 0; i < 50; i++) { // warm-up
                leader.submit(event(i));
            }

            long[] seq = new long[writes];
            for (int i = 0; i < writes; i++) {
                long t0 = System.nanoTime();
                leader.submit(event(i));
                seq[i] = System.nanoTime() - t0;
            }

            // isolated writes, as on the failover path (the log idle in between): the leader's submit, the
            // time until both followers have applied it (what an agent watching a follower waits for), and a
            // submit through a follower (what a renewal sent to a follower costs: it returns once that follower applied)
            int isolated = intArg(args, "--isolated", 40);
            long[] iso = new long[isolated];
            long[] followerLag = new long[isolated];
            long[] viaFollower = new long[isolated];
            List<RegistryPeer> followers = cluster.running().stream().filter(p -> p != leader).toList();
            for (int i = 0; i < isolated; i++) {
                Thread.sleep(100);
                long t0 = System.nanoTime();
                leader.submit(event(i));
                long t1 = System.nanoTime();
                long target = leader.readLocal().lastEventSeq();
                for (RegistryPeer f : followers) {
                    io.cfgserver.registry.topology.RegistryState seen = f.readLocal();
                    while (seen.lastEventSeq() < target) {
                        seen = f.awaitChange(seen, Duration.ofMillis(20)); // wakes on every apply
                    }
                }
                iso[i] = t1 - t0;
                followerLag[i] = System.nanoTime() - t1;
                Thread.sleep(100);
                long t2 = System.nanoTime();
                followers.get(i % followers.size()).submit(event(i));
                viaFollower[i] = System.nanoTime() - t2;
            }

            List<RegistryPeer> peers = cluster.running();
            long[] conc = new long[threads * perThread];
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long c0 = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                RegistryPeer via = peers.get(t % peers.size());
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long t0 = System.nanoTime();
                        via.submit(event(thread * perThread + i));
                        conc[thread * perThread + i] = System.nanoTime() - t0;
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            long concElapsed = System.nanoTime() - c0;
            pool.shutdown();
            double throughput = conc.length / (concElapsed / 1e9);

            long[] failover = new long[rounds];
            long[] closing = new long[rounds];
            for (int r = 0; r < rounds; r++) {
                RegistryPeer old = cluster.awaitLeader(WAIT);
                RegistryPeer survivor = cluster.other(old);
                long t0 = System.nanoTime();
                cluster.stop(old.id());
                closing[r] = System.nanoTime() - t0;
                survivor.submit(event(r));
                failover[r] = System.nanoTime() - t0;
                RegistryPeer back = cluster.restart(old.id());
                long target = survivor.read().lastEventSeq();
                long deadline = System.nanoTime() + WAIT.toNanos();
                io.cfgserver.registry.topology.RegistryState seen = back.readLocal();
                while (seen.lastEventSeq() < target) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("restarted peer " + old.id() + " did not catch up in " + WAIT);
                    }
                    seen = back.awaitChange(seen, Duration.ofMillis(20)); // wakes on every apply
                }
            }

            System.out.printf(Locale.ROOT, "registry bench: 3 peers in one JVM, election timeout %d-%d ms%n",
                    cluster.config("cfg1").electionTimeoutMin().toMillis(), cluster.config("cfg1").electionTimeoutMax().toMillis());
            System.out.printf(Locale.ROOT, "sequential writes: n=%d p50=%.2f ms p99=%.2f ms%n", writes, ms(pct(seq, 50)), ms(pct(seq, 99)));
            System.out.printf(Locale.ROOT, "isolated writes (100 ms apart): n=%d leader submit p50=%.2f ms p99=%.2f ms;"
                    + " leader's reply -> both followers applied p50=%.2f ms p99=%.2f ms; submit through a follower p50=%.2f ms"
                    + " p99=%.2f ms%n", isolated, ms(pct(iso, 50)), ms(pct(iso, 99)), ms(pct(followerLag, 50)),
                    ms(pct(followerLag, 99)), ms(pct(viaFollower, 50)), ms(pct(viaFollower, 99)));
            System.out.printf(Locale.ROOT, "concurrent writes: threads=%d n=%d p50=%.2f ms p99=%.2f ms throughput=%.0f writes/s%n",
                    threads, conc.length, ms(pct(conc, 50)), ms(pct(conc, 99)), throughput);
            System.out.printf(Locale.ROOT, "leader closed -> next write: rounds=%d median=%.0f ms min=%.0f ms max=%.0f ms%n",
                    rounds, ms(pct(failover, 50)), ms(pct(failover, 0)), ms(pct(failover, 100)));
            System.out.printf(Locale.ROOT, "  (of which closing the old leader took median %.0f ms)%n", ms(pct(closing, 50)));
            System.out.printf(Locale.ROOT, "RESULT seq_p50_ms=%.2f seq_p99_ms=%.2f conc_p50_ms=%.2f conc_p99_ms=%.2f"
                            + " conc_writes_per_s=%.0f failover_median_ms=%.0f iso_p50_ms=%.2f iso_p99_ms=%.2f follower_lag_p50_ms=%.2f"
                            + " follower_lag_p99_ms=%.2f via_follower_p50_ms=%.2f%n",
                    ms(pct(seq, 50)), ms(pct(seq, 99)), ms(pct(conc, 50)), ms(pct(conc, 99)), throughput, ms(pct(failover, 50)),
                    ms(pct(iso, 50)), ms(pct(iso, 99)), ms(pct(followerLag, 50)), ms(pct(followerLag, 99)), ms(pct(viaFollower, 50)));
        } finally {
            deleteRecursively(dir);
        }
        System.exit(0);
    }

    private static RecordEvent event(int i) {
        return new RecordEvent("bench", "+bench-write", "proxy-[bench]", "write " + i, CLOCK.incrementAndGet());
    }

    private static long pct(long[] values, int percentile) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.round((sorted.length - 1) * percentile / 100.0)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static int intArg(String[] args, String name, int def) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return def;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
