package io.cfgserver.registry.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.SlotRange;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GroupEvidenceTest {
    static final Address M = Address.parse("127.0.0.1:7001");
    static final Address R1 = Address.parse("127.0.0.1:7002");
    static final Address R2 = Address.parse("127.0.0.1:7003");
    static final Address M2 = Address.parse("127.0.0.1:7011");

    /** g1 = M + R1, R2 (R2 banned), g2 = M2; g1 owns 0..511 at version 9, epoch 4. */
    static Cluster map() {
        Group g1 = new Group("g1", 4, Instance.of(M), List.of(Instance.of(R1), Instance.of(R2).withBanned(true)));
        Group g2 = new Group("g2", 1, Instance.of(M2), List.of());
        return new Cluster("shop", 9, List.of(g1, g2),
                SlotMap.of(List.of(new SlotRange(0, 511, "g1"), new SlotRange(512, 1023, "g2"))), List.of(), Policy.defaults(), 0);
    }

    static Group g1(Cluster c) {
        return c.group("g1").orElseThrow();
    }

    static String masterInfo(String... slaves) {
        StringBuilder b = new StringBuilder("# Replication\r\nrole:master\r\nconnected_slaves:" + slaves.length + "\r\n");
        for (int i = 0; i < slaves.length; i++) {
            b.append("slave").append(i).append(':').append(slaves[i]).append("\r\n");
        }
        return b.append("master_repl_offset:1234\r\n").toString();
    }

    static String replicaOf(Address master) {
        return "# Replication\r\nrole:slave\r\nmaster_host:" + master.host() + "\r\nmaster_port:" + master.port()
                + "\r\nmaster_link_status:down\r\n";
    }

    final Map<Address, String> replicas = new HashMap<>();

    Optional<String> judge(Cluster map, String master, FencingStamp stamp) {
        return GroupEvidence.problem(map, g1(map), ReplicationInfo.parse(master), Optional.ofNullable(stamp),
                a -> Optional.ofNullable(replicas.get(a)).map(ReplicationInfo::parse), 2);
    }

    @Test
    void holdsWhenTheMasterIsStampedForTheMapAndItsPromotableReplicaIsAttached() {
        Cluster c = map();
        assertThat(judge(c, masterInfo("ip=127.0.0.1,port=7002,state=online,offset=1200,lag=1"), FencingStamp.of(c, g1(c))))
                .isEmpty();
    }

    @Test
    void theStampNamesOnlyPromotableReplicasAndTheGroupsSlots() {
        Cluster c = map();
        FencingStamp s = FencingStamp.of(c, g1(c));
        assertThat(s.replicas()).containsExactly(R1);
        assertThat(s.slots()).isEqualTo("0-511");
        assertThat(FencingStamp.decode(s.encode())).contains(s);
        assertThat(FencingStamp.decode("not json")).isEmpty();
        assertThat(s.names("shop", "g1", 4, R1)).isTrue();
        assertThat(s.names("shop", "g1", 5, R1)).as("another epoch").isFalse();
        assertThat(s.names("shop", "g1", 4, R2)).as("banned when stamped").isFalse();
    }

    @Test
    void failsWhenTheMasterWasDemoted() {
        Cluster c = map();
        assertThat(judge(c, replicaOf(R1), FencingStamp.of(c, g1(c)))).get().asString().contains("no longer a master");
    }

    @Test
    void failsWithoutAStamp() {
        Cluster c = map();
        assertThat(judge(c, masterInfo("ip=127.0.0.1,port=7002,state=online,offset=1,lag=0"), null)).get().asString()
                .contains("no fencing stamp");
    }

    @Test
    void failsWhenThePromotableReplicaLeftAndSaysItIsAMaster() {
        Cluster c = map();
        replicas.put(R1, "# Replication\r\nrole:master\r\n");
        assertThat(judge(c, masterInfo(), FencingStamp.of(c, g1(c)))).get().asString()
                .contains("replica instance-[127.0.0.1:7002]").contains("may have been promoted");
    }

    @Test
    void failsWhenTheReplicaLagsAndCannotBeAsked() {
        Cluster c = map();
        assertThat(judge(c, masterInfo("ip=127.0.0.1,port=7002,state=online,offset=1,lag=5"), FencingStamp.of(c, g1(c))))
                .get().asString().contains("lag 5 s");
    }

    @Test
    void holdsWhenTheMasterLostTheReplicaButTheReplicaStillFollowsIt() {
        Cluster c = map();
        replicas.put(R1, replicaOf(M));
        assertThat(judge(c, masterInfo(), FencingStamp.of(c, g1(c)))).isEmpty();
    }

    @Test
    void watchesAReplicaTheStampNamesEvenWhenTheMapBansIt() {
        Cluster c = map();
        FencingStamp unbanned = new FencingStamp("shop", "g1", 4, 10, M, List.of(R1, R2), "0-511");
        assertThat(judge(c, masterInfo("ip=127.0.0.1,port=7002,state=online,offset=1,lag=0"), unbanned)).get().asString()
                .contains("127.0.0.1:7003");
        replicas.put(R2, replicaOf(M));
        assertThat(judge(c, masterInfo("ip=127.0.0.1,port=7002,state=online,offset=1,lag=0"), unbanned)).isEmpty();
    }

    @Test
    void failsOnAStampOfANewerEpochOrAnotherMaster() {
        Cluster c = map();
        String info = masterInfo("ip=127.0.0.1,port=7002,state=online,offset=1,lag=0");
        assertThat(judge(c, info, new FencingStamp("shop", "g1", 5, 12, M, List.of(R1), "0-511"))).get().asString()
                .contains("a failover the map missed");
        assertThat(judge(c, info, new FencingStamp("shop", "g1", 4, 9, R1, List.of(M), "0-511"))).get().asString()
                .contains("names instance-[127.0.0.1:7002] as master");
        assertThat(judge(c, info, new FencingStamp("shop", "g2", 4, 9, M, List.of(R1), "0-511"))).get().asString()
                .contains("not this group");
    }

    @Test
    void failsOnANewerStampThatMovedSlotsButNotOnAnOlderOne() {
        Cluster c = map();
        String info = masterInfo("ip=127.0.0.1,port=7002,state=online,offset=1,lag=0");
        assertThat(judge(c, info, new FencingStamp("shop", "g1", 4, 11, M, List.of(R1), "0-255"))).get().asString()
                .contains("a slot move the map missed");
        assertThat(judge(c, info, new FencingStamp("shop", "g1", 4, 11, M, List.of(R1), "0-511")))
                .as("newer version, same group").isEmpty();
        assertThat(judge(c, info, new FencingStamp("shop", "g1", 4, 8, M, List.of(R1), "0-600")))
                .as("older stamp: the map knows better").isEmpty();
        assertThat(judge(c, info, new FencingStamp("shop", "g1", 3, 5, R1, List.of(M), "0-511")))
                .as("a stamp of an older epoch, copied from the former master").isEmpty();
    }
}
