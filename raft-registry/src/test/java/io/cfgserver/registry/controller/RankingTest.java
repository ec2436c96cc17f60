package io.cfgserver.registry.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RankingTest {
    static final long NOW = 100_000_000_000L;
    static final Address M = Address.parse("10.0.0.1:6379");

    static Address a(int i) {
        return Address.parse("10.0.0." + i + ":6379");
    }

    /** A replica probe seen just now: role slave of M, link up, at {@code offset}. */
    static Prober.View replica(long offset) {
        return new Prober.View(0, NOW, new ProbeResult(true, NOW, ProbeRole.REPLICA, M, true, -1, offset, null, null));
    }

    static Optional<Ranking.Candidate> best(Group g, Map<Address, Prober.View> views) {
        return Ranking.best(Ranking.assess(g, r -> Optional.ofNullable(views.get(r.address())), NOW, 1000, 10_000));
    }

    static Group group(Instance... replicas) {
        return new Group("g1", 0, Instance.of(M), List.of(replicas));
    }

    @Test
    void prefersTheHighestOffset() {
        Group g = group(Instance.of(a(2)), Instance.of(a(3)));
        assertThat(best(g, Map.of(a(2), replica(100), a(3), replica(200))).orElseThrow().replica().address()).isEqualTo(a(3));
    }

    @Test
    void breaksTiesByPriorityThenAddress() {
        Group g = group(new Instance(a(4), 50, null, false), Instance.of(a(3)), Instance.of(a(2)));
        Map<Address, Prober.View> same = Map.of(a(2), replica(100), a(3), replica(100), a(4), replica(100));
        assertThat(best(g, same).orElseThrow().replica().address()).isEqualTo(a(4));
        Group even = group(Instance.of(a(3)), Instance.of(a(2)));
        assertThat(best(even, same).orElseThrow().replica().address()).isEqualTo(a(2));
    }

    @Test
    void skipsBannedStaleZeroPriorityUnreachableAndOtherRegions() {
        Group g = new Group("g1", 0, new Instance(M, 100, "eu", false), List.of(
                new Instance(a(2), 100, "eu", true), new Instance(a(3), 100, "eu", false, true),
                new Instance(a(4), 0, "eu", false), new Instance(a(5), 100, "us", false),
                new Instance(a(6), 100, "eu", false), new Instance(a(7), 100, "eu", false)));
        Map<Address, Prober.View> views = Map.of(a(2), replica(900), a(3), replica(900), a(4), replica(900),
                a(5), replica(900), a(6), new Prober.View(0, NOW - 5_000_000_000L, replica(900).last()),
                a(7), replica(10));
        List<Ranking.Candidate> assessed = Ranking.assess(g, r -> Optional.ofNullable(views.get(r.address())), NOW, 1000, 10_000);
        assertThat(Ranking.best(assessed).orElseThrow().replica().address()).isEqualTo(a(7));
        assertThat(Ranking.reasons(assessed)).contains("banned", "stale", "priority 0", "region us", "not reachable now");
    }

    @Test
    void refusesAReplicaWhoseLinkHasBeenDownTooLong() {
        Group g = group(Instance.of(a(2)));
        Prober.View longDown = new Prober.View(0, NOW, new ProbeResult(true, NOW, ProbeRole.REPLICA, M, false, 60, 500, null, null));
        assertThat(best(g, Map.of(a(2), longDown))).isEmpty();
        Prober.View justDown = new Prober.View(0, NOW, new ProbeResult(true, NOW, ProbeRole.REPLICA, M, false, 2, 500, null, null));
        assertThat(best(g, Map.of(a(2), justDown))).isPresent();
    }

    @Test
    void saysWhyWhenNoReplicaIsEligible() {
        assertThat(Ranking.reasons(Ranking.assess(group(), r -> Optional.empty(), NOW, 1000, 10_000)))
                .isEqualTo("the group has no replicas");
        Group g = group(new Instance(a(2), 0, null, false));
        assertThat(best(g, Map.of(a(2), replica(1)))).isEmpty();
    }

    @Test
    void parsesInfoReplication() {
        ProbeResult r = Prober.parse("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\n"
                + "master_link_status:down\r\nmaster_link_down_since_seconds:3\r\nslave_repl_offset:42\r\n", 7);
        assertThat(r.isReplicaOf(M)).isTrue();
        assertThat(r.linkUp()).isFalse();
        assertThat(r.linkDownSeconds()).isEqualTo(3);
        assertThat(r.offset()).isEqualTo(42);
        ProbeResult m = Prober.parse("role:master\r\nconnected_slaves:1\r\nmaster_repl_offset:99\r\n", 7);
        assertThat(m.isMaster()).isTrue();
        assertThat(m.offset()).isEqualTo(99);
    }

    @Test
    void parsesInfoMemoryAndClients() {
        Prober.Usage u = Prober.parseUsage("# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\n"
                + "maxmemory:268435456\r\n\n# Clients\r\nconnected_clients:7\r\nblocked_clients:0\r\n", 5);
        assertThat(u.usedMemoryBytes()).isEqualTo(1048576);
        assertThat(u.maxMemoryBytes()).isEqualTo(268435456);
        assertThat(u.connectedClients()).isEqualTo(7);
        assertThat(Prober.parseUsage("# Memory\r\n", 5).usedMemoryBytes()).isEqualTo(-1);
    }
}
