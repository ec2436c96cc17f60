package io.cfgserver.registry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cfgserver.registry.client.RegistryInfo.PeerInfo;
import io.cfgserver.registry.command.AddProxy;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.ProxySpec;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.RejectCode;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three (or four) real Ratis peers in this JVM on loopback ports. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RegistryClusterIT {
    static final Duration ELECTION = Duration.ofSeconds(20);
    static final Duration CATCH_UP = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    RegistryCluster cluster;

    @AfterEach
    void closeEveryPeer() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static CreateCluster createCluster(String name) {
        return createCluster(name, 7001);
    }

    /** A cluster of one group: master on {@code port}, replica on {@code port + 1}. */
    static CreateCluster createCluster(String name, int port) {
        return new CreateCluster(name, List.of(new GroupSpec("g1", Address.parse("127.0.0.1:" + port),
                List.of(Address.parse("127.0.0.1:" + (port + 1))))), List.of(), 1_000);
    }

    static AddProxy addProxy(String cluster, String id, int port) {
        return new AddProxy(cluster, new ProxySpec(id, Address.parse("127.0.0.1:" + port)), 2_000);
    }

    static long version(RegistryState s, String cluster) {
        return s.cluster(cluster).map(Cluster::version).orElse(0L);
    }

    @Test
    void survivesTheLossOfItsLeaderAndARestartedPeerCatchesUp() {
        cluster = RegistryCluster.start(3, dir, c -> c);
        RegistryPeer leader = cluster.awaitLeader(ELECTION);
        RegistryPeer follower = cluster.other(leader);
        List<String> becameLeader = new CopyOnWriteArrayList<>();
        for (RegistryPeer p : cluster.running()) {
            p.addLeaderListener(isLeader -> {
                if (isLeader) {
                    becameLeader.add(p.id());
                }
            });
        }

        CommandResult created = follower.submit(createCluster("shop"));
        assertThat(created.ok()).isTrue();
        assertThat(created.version()).isEqualTo(1);
        assertThat(created.index()).isPositive();

        cluster.stop(leader.id());
        RegistryPeer survivor = cluster.running().get(0);
        RegistryState afterLoss = survivor.read();
        assertThat(afterLoss.cluster("shop")).map(Cluster::version).contains(1L);

        CommandResult again = survivor.submit(addProxy("shop", "p1", 22121));
        assertThat(again.version()).isEqualTo(2);
        assertThat(again.index()).isGreaterThan(created.index());
        RegistryPeer newLeader = cluster.awaitLeader(ELECTION);
        assertThat(newLeader.id()).isNotEqualTo(leader.id());
        await().atMost(ELECTION).until(() -> becameLeader.contains(newLeader.id()));
        assertThat(newLeader.info().role()).isEqualTo("LEADER");

        RegistryPeer restarted = cluster.restart(leader.id());
        await().atMost(CATCH_UP).until(() -> version(restarted.readLocal(), "shop") == 2);
        assertThat(restarted.read()).isEqualTo(survivor.read());
        assertThat(restarted.info().leaderId()).isEqualTo(newLeader.id());
    }

    @Test
    void aRestartedPeerLoadsItsSnapshotAndCatchesUp() throws IOException {
        cluster = RegistryCluster.start(3, dir, c -> c.withSnapshotThreshold(5));
        RegistryPeer leader = cluster.awaitLeader(ELECTION);
        RegistryPeer follower = cluster.other(leader);
        leader.submit(createCluster("shop"));
        for (int i = 0; i < 20; i++) {
            follower.submit(new RecordEvent("shop", "+test-event", "proxy-[p" + i + "]", "event " + i, 3_000 + i));
        }
        for (RegistryPeer p : cluster.running()) {
            await().atMost(CATCH_UP).until(() -> snapshots(p).size() >= 1);
        }

        cluster.stop(follower.id());
        assertThat(snapshots(follower)).hasSizeBetween(1, 4); // 3 retained, plus possibly one taken at stop
        for (int i = 20; i < 30; i++) {
            leader.submit(new RecordEvent("shop", "+test-event", "proxy-[p" + i + "]", "event " + i, 3_000 + i));
        }
        leader.submit(addProxy("shop", "p1", 22121));

        RegistryPeer restarted = cluster.restart(follower.id());
        RegistryState expected = leader.read();
        await().atMost(CATCH_UP).until(() -> restarted.readLocal().equals(expected));
        assertThat(restarted.readLocal().events("shop")).hasSize(32); // +cluster-created, 30 test events, +proxy-added
        assertThat(version(restarted.readLocal(), "shop")).isEqualTo(2);
    }

    @Test
    void aPeerAddedAfterTheLogWasPurgedInstallsTheLeadersSnapshot() {
        cluster = RegistryCluster.start(3, dir, c -> c.withSnapshotThreshold(10), properties -> {
            RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf("8KB"));
            RaftServerConfigKeys.Log.setPurgeGap(properties, 1);
        });
        RegistryPeer leader = cluster.awaitLeader(ELECTION);
        leader.submit(createCluster("shop"));
        for (int i = 0; i < 150; i++) {
            leader.submit(new RecordEvent("shop", "+test-event", "proxy-[p" + i + "]", "event number " + i, 3_000 + i));
        }
        await().atMost(CATCH_UP).until(() -> logStart(leader) > 1);

        RegistryPeer fourth = cluster.startNew("cfg4");
        cluster.setPeers(leader, cluster.members());
        RegistryState expected = leader.read();
        await().atMost(CATCH_UP).until(() -> fourth.readLocal().equals(expected));
        assertThat(fourth.submit(addProxy("shop", "p1", 22121)).version()).isEqualTo(2);
    }

    private static long logStart(RegistryPeer p) throws IOException {
        return p.division().getRaftLog().getStartIndex();
    }

    private static List<Path> snapshots(RegistryPeer p) throws IOException {
        Path sm = p.config().storageDir().resolve(p.config().groupId().toString()).resolve("sm");
        if (!Files.isDirectory(sm)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(sm)) {
            return files.filter(f -> SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(f.getFileName().toString()).matches())
                    .toList();
        }
    }

    @Test
    void addsAndRemovesPeersWhileWritesGoOn() {
        cluster = RegistryCluster.start(3, dir, c -> c);
        RegistryPeer leader = cluster.awaitLeader(ELECTION);
        leader.submit(createCluster("shop"));

        RegistryPeer fourth = cluster.startNew("cfg4");
        cluster.setPeers(cluster.other(leader), cluster.members());
        await().atMost(CATCH_UP).until(() -> fourth.readLocal().cluster("shop").isPresent());
        assertThat(fourth.info().peers()).hasSize(4);
        assertThat(fourth.submit(addProxy("shop", "p1", 22121)).version()).isEqualTo(2);
        assertThat(fourth.read().cluster("shop")).map(Cluster::version).contains(2L);

        // The leader removes itself: it hands leadership over first, writes go on.
        List<PeerInfo> withoutLeader = cluster.members().stream().filter(p -> !p.id().equals(leader.id())).toList();
        cluster.setPeers(leader, withoutLeader);
        assertThat(leader.isLeader()).isFalse();
        cluster.stop(leader.id());
        RegistryPeer newLeader = cluster.awaitLeader(ELECTION);
        assertThat(newLeader.id()).isNotEqualTo(leader.id());
        assertThat(fourth.submit(addProxy("shop", "p2", 22122)).version()).isEqualTo(3);
        for (RegistryPeer p : cluster.running()) {
            await().atMost(CATCH_UP).until(() -> version(p.readLocal(), "shop") == 3);
            assertThat(p.info().peers()).containsExactlyInAnyOrderElementsOf(withoutLeader);
        }
    }

    @Test
    void aRejectedCommandThrowsAndChangesNothingOnAnyPeer() throws Exception {
        cluster = RegistryCluster.start(3, dir, c -> c);
        RegistryPeer leader = cluster.awaitLeader(ELECTION);
        RegistryPeer follower = cluster.other(leader);
        follower.submit(createCluster("shop"));
        RegistryState before = leader.read();

        assertThatThrownBy(() -> follower.submit(createCluster("shop")))
                .isInstanceOfSatisfying(CommandRejectedException.class, e -> assertThat(e.code()).isEqualTo(RejectCode.CONFLICT))
                .hasMessageContaining("cluster-[shop] exists already");
        assertThatThrownBy(() -> leader.submit(addProxy("nope", "p1", 22121)))
                .isInstanceOfSatisfying(CommandRejectedException.class, e -> assertThat(e.code()).isEqualTo(RejectCode.NOT_FOUND));
        for (RegistryPeer p : cluster.running()) {
            assertThat(p.read()).isEqualTo(before);
        }

        // Two racing creates: whether the loser is refused on the leader or at apply time, it is refused.
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Object>> racers = new ArrayList<>();
        for (RegistryPeer p : List.of(leader, follower)) {
            racers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    return p.submit(createCluster("race", 7101));
                } catch (CommandRejectedException e) {
                    return e;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        go.countDown();
        List<Object> outcomes = new ArrayList<>();
        for (CompletableFuture<Object> f : racers) {
            outcomes.add(f.get(30, TimeUnit.SECONDS));
        }
        assertThat(outcomes.stream().filter(o -> o instanceof CommandResult).count()).as("%s", outcomes).isEqualTo(1);
        assertThat(outcomes.stream().filter(o -> o instanceof CommandRejectedException).count()).as("%s", outcomes).isEqualTo(1);
        assertThat(version(leader.read(), "race")).isEqualTo(1);
    }

    @Test
    void awaitVersionWakesOnANewVersionAndTimesOutOtherwise() throws Exception {
        cluster = RegistryCluster.start(3, dir, c -> c);
        RegistryPeer leader = cluster.awaitLeader(ELECTION);
        RegistryPeer follower = cluster.other(leader);
        leader.submit(createCluster("shop"));
        follower.read();

        long start = System.nanoTime();
        Optional<Cluster> unchanged = follower.awaitVersion("shop", 1, Duration.ofMillis(300));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
        assertThat(unchanged).map(Cluster::version).contains(1L);
        assertThat(follower.awaitVersion("absent", 0, Duration.ofMillis(50))).isEmpty();

        CompletableFuture<Optional<Cluster>> watch = CompletableFuture.supplyAsync(() -> {
            try {
                return follower.awaitVersion("shop", 1, Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        leader.submit(addProxy("shop", "p1", 22121));
        Optional<Cluster> changed = watch.get(10, TimeUnit.SECONDS);
        assertThat(changed).map(Cluster::version).contains(2L);
    }

}
