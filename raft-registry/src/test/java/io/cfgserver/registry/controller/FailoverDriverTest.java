package io.cfgserver.registry.controller;

import static io.cfgserver.registry.controller.FakeFleet.Health.SILENT;
import static io.cfgserver.registry.controller.FakeFleet.Health.UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.registry.command.AssignSlots;
import io.cfgserver.registry.command.BeginFailover;
import io.cfgserver.registry.command.EndFailover;
import io.cfgserver.registry.command.PromoteReplica;
import io.cfgserver.registry.command.RequestSwitchover;
import io.cfgserver.registry.command.SetMaintenance;
import io.cfgserver.registry.command.SetReplicaBanned;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.FailoverRecord;
import io.cfgserver.registry.topology.FailoverState;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.SlotRange;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The failover state machine, state by state, and every safety valve (docs/failover.md). */
class FailoverDriverTest {
    static final String M1 = "127.0.0.1:7001";
    static final String R2 = "127.0.0.1:7002";
    static final String R3 = "127.0.0.1:7003";
    static final String M2 = "127.0.0.1:7011";

    static Address a(String s) {
        return Address.parse(s);
    }

    private static FailoverRecord last(Group g) {
        return g.history().get(g.history().size() - 1);
    }

    // ---- the whole path ------------------------------------------------------------------------

    @Test
    void deadMasterIsReplacedByTheMostAdvancedReplica() {
        try (Rig rig = new Rig().leading()) {
            rig.fleet.offset(R2, 900);
            rig.fleet.offset(R3, 1000);
            rig.everywhere(M1, SILENT);
            rig.run(1200);
            Group g = rig.group("g1");
            assertThat(g.master().address()).isEqualTo(a(R3));
            assertThat(g.epoch()).isEqualTo(1);
            assertThat(g.failover()).as("ended").isNull();
            assertThat(last(g).outcome()).isEqualTo("done");
            assertThat(g.replica(a(M1)).orElseThrow().stale()).as("the old master stays as a stale replica").isTrue();
            assertThat(rig.fleet.isMaster(R3)).isTrue();
            assertThat(rig.fleet.masterOf(R2)).as("the other replica re-pointed").isEqualTo(a(R3));
            assertThat(rig.fleet.commandsTo(R3)).contains(R3 + " REPLICAOF NO ONE", R3 + " SET stamp");
            // the detection's events are recorded after the commit point (docs/failover.md): order by time, not by log
            assertThat(rig.events()).contains("+sdown", "+odown").containsSubsequence("+failover-start", "+promoted",
                    "+switch-master", "+failover-end");
            assertThat(rig.events()).contains("+failover-timings");
            assertThat(rig.registry.submitted(BeginFailover.class)).hasSize(1);
            assertThat(rig.registry.submitted(PromoteReplica.class)).hasSize(1);
        }
    }

    @Test
    void returningOldMasterIsDemotedThenCleared() {
        try (Rig rig = new Rig().leading()) {
            rig.everywhere(M1, SILENT);
            rig.run(1200);
            Address newMaster = rig.group("g1").master().address();
            rig.everywhere(M1, UP); // it restarts as a master of its own (empty) data
            rig.run(300);
            assertThat(rig.fleet.masterOf(M1)).as("made a replica of the new master").isEqualTo(newMaster);
            rig.run(300);
            assertThat(rig.group("g1").replica(a(M1)).orElseThrow().stale()).isFalse();
            assertThat(rig.events()).contains("+demoted");
            assertThat(rig.group("g1").master().address()).as("never the other way round").isEqualTo(newMaster);
        }
    }

    // ---- the safety valves -----------------------------------------------------------------------

    @Test
    void autoFailoverOffOnlySaysSo() {
        try (Rig rig = new Rig().leading()) {
            rig.policy(Map.of("autoFailover", false));
            rig.everywhere(M1, SILENT);
            rig.run(2000);
            assertThat(rig.events()).contains("+odown", "-failover-abort-auto-failover-off");
            assertThat(rig.events().stream().filter(e -> e.equals("-failover-abort-auto-failover-off")).count())
                    .as("once per down episode").isEqualTo(1);
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
        }
    }

    @Test
    void groupInMaintenanceIsNotFailedOver() {
        try (Rig rig = new Rig().leading()) {
            rig.registry.submit(new SetMaintenance(Rig.C, "g1", rig.time.millis() + 60_000, "redis upgrade", "alice",
                    rig.time.millis()));
            rig.everywhere(M1, SILENT);
            rig.run(2000);
            assertThat(rig.events()).contains("+maintenance", "-failover-abort-maintenance");
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
        }
    }

    @Test
    void masterInMaintenanceIsNotFailedOverUntilTheWindowEnds() {
        try (Rig rig = new Rig().leading()) {
            rig.registry.submit(new SetMaintenance(Rig.C, M1, rig.time.millis() + 3000, "restart", "", rig.time.millis()));
            rig.everywhere(M1, SILENT);
            rig.run(2000);
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
            rig.run(1500); // the window ends: the controller records its end, and the master is still down
            assertThat(rig.events()).contains("-maintenance");
            assertThat(rig.cluster().maintenance()).isEmpty();
            assertThat(rig.registry.submitted(BeginFailover.class)).hasSize(1);
        }
    }

    @Test
    void replicaInMaintenanceIsNeitherPromotedNorBanned() {
        try (Rig rig = new Rig().leading()) {
            rig.fleet.offset(R3, 5000); // the best, but in maintenance
            rig.registry.submit(new SetMaintenance(Rig.C, R3, rig.time.millis() + 60_000, "", "", rig.time.millis()));
            rig.everywhere(M1, SILENT);
            rig.run(1200);
            assertThat(rig.group("g1").master().address()).isEqualTo(a(R2));
        }
        try (Rig rig = new Rig().leading()) {
            rig.registry.submit(new SetMaintenance(Rig.C, R3, rig.time.millis() + 60_000, "", "", rig.time.millis()));
            rig.everywhere(R3, SILENT);
            rig.run(3000);
            assertThat(rig.registry.submitted(SetReplicaBanned.class)).isEmpty();
        }
    }

    @Test
    void groupWithoutSlotsIsNotFailedOver() {
        try (Rig rig = new Rig().leading()) {
            rig.registry.submit(new AssignSlots(Rig.C, List.of(new SlotRange(0, 1023, "g2")), rig.time.millis()));
            rig.everywhere(M1, SILENT);
            rig.run(1500);
            assertThat(rig.events()).contains("-failover-abort-no-slots");
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
        }
    }

    @Test
    void fleetBreakerStopsFailoverWhenMostMastersLookDown() {
        try (Rig rig = new Rig().leading()) {
            rig.everywhere(M1, SILENT);
            rig.everywhere(M2, SILENT); // 2 of 2 masters: the controller's network, not Redis
            rig.run(1500);
            assertThat(rig.events()).contains("-failover-abort-fleet-breaker");
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
        }
    }

    @Test
    void rateLimitStopsTheNextFailover() {
        try (Rig rig = new Rig().leading()) {
            rig.policy(Map.of("maxFailoversPerWindow", 1));
            rig.everywhere(M1, SILENT);
            rig.run(1200);
            Address first = rig.group("g1").master().address();
            rig.everywhere(first.toString(), SILENT);
            rig.run(1500);
            assertThat(rig.events()).contains("-failover-abort-rate-limit");
            assertThat(rig.group("g1").master().address()).isEqualTo(first);
        }
    }

    @Test
    void noGoodReplicaNoFailoverWithEveryReason() {
        try (Rig rig = new Rig().leading()) {
            rig.everywhere(R2, SILENT);
            rig.run(1500); // R2 banned after downAfter
            rig.fleet.health(R3, SILENT);
            rig.everywhere(M1, SILENT);
            rig.run(1500);
            assertThat(rig.events()).contains("-failover-abort-no-good-replica");
            String why = rig.registry.events(Rig.C).stream().filter(e -> e.type().equals("-failover-abort-no-good-replica"))
                    .findFirst().orElseThrow().message();
            assertThat(why).contains(R2 + ": banned").contains(R3 + ": not reachable now");
            assertThat(rig.group("g1").master().address()).isEqualTo(a(M1));
        }
    }

    @Test
    void replicaNotNamedInTheStampIsNotPromotedUnderPerGroupFencing() {
        try (Rig rig = new Rig()) {
            rig.fleet.clearStamp(M1); // no stamp ever reached the replicas
            rig.fleet.failCommands(M1, true); // and none can be written
            rig.leading();
            rig.everywhere(M1, SILENT);
            rig.run(1500);
            assertThat(rig.events()).contains("-failover-abort-no-good-replica");
        }
    }

    // ---- state by state --------------------------------------------------------------------------

    @Test
    void promotingRetriesThenAbortsAfterPromoteTimeout() {
        try (Rig rig = new Rig().leading()) {
            rig.fleet.offset(R3, 5000);
            rig.fleet.refusePromotion(R3, true); // answers probes, refuses REPLICAOF NO ONE
            rig.everywhere(M1, SILENT);
            rig.run(1200);
            assertThat(rig.group("g1").failover()).isNotNull();
            assertThat(rig.group("g1").failover().state()).isEqualTo(FailoverState.PROMOTING);
            rig.run(5500); // promoteTimeout 5 s
            Group g = rig.group("g1");
            assertThat(rig.events()).contains("-failover-abort-promotion-failed");
            assertThat(g.history().get(0).outcome()).isEqualTo("promotion-failed");
            assertThat(rig.registry.submitted(EndFailover.class).get(0).aborted()).isTrue();
        }
    }

    @Test
    void promotingLeftByAnEarlierLeaderIsResumedWithItsCandidate() {
        try (Rig rig = new Rig()) {
            rig.registry.submit(new BeginFailover(Rig.C, "g1", 1, a(R2), "odown 3/3", rig.time.millis()));
            rig.everywhere(M1, SILENT);
            rig.leading();
            Group g = rig.group("g1");
            assertThat(g.master().address()).isEqualTo(a(R2));
            assertThat(g.failover()).isNull();
            assertThat(rig.fleet.isMaster(R2)).isTrue();
        }
    }

    @Test
    void repointingLeftByAnEarlierLeaderIsEnded() {
        try (Rig rig = new Rig()) {
            rig.registry.submit(new BeginFailover(Rig.C, "g1", 1, a(R2), "odown 3/3", rig.time.millis()));
            rig.fleet.promote(a(R2));
            rig.registry.submit(new PromoteReplica(Rig.C, "g1", 1, rig.time.millis()));
            assertThat(rig.group("g1").failover().state()).isEqualTo(FailoverState.REPOINTING);
            rig.leading();
            assertThat(rig.group("g1").failover()).isNull();
            assertThat(last(rig.group("g1")).outcome()).isEqualTo("done");
            assertThat(rig.fleet.masterOf(R3)).isEqualTo(a(R2));
        }
    }

    @Test
    void abortAfterTheCommitPointIsABug() {
        try (Rig rig = new Rig()) {
            rig.registry.submit(new BeginFailover(Rig.C, "g1", 1, a(R2), "odown 3/3", rig.time.millis()));
            rig.registry.submit(new PromoteReplica(Rig.C, "g1", 1, rig.time.millis()));
            Group g = rig.group("g1");
            FailoverDriver driver = new FailoverDriver(rig.registry, rig.fleet, rig.fleet, null, null, rig.config, rig.time,
                    rig.time::nanos, FaultHooks.fromSystemProperties(), new Events(rig.registry, rig.time, Runnable::run),
                    Runnable::run, () -> true);
            assertThatThrownBy(() -> driver.abort(Rig.C, g, g.failover(), FailoverOutcome.PROMOTION_FAILED, "late"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("after the commit point");
        }
    }

    @Test
    void refusedIntentUndoesTheParallelPromotion() {
        try (Rig rig = new Rig().leading()) {
            rig.registry.refuse(c -> c instanceof BeginFailover);
            rig.fleet.offset(R3, 5000);
            rig.everywhere(M1, SILENT);
            rig.run(1200);
            assertThat(rig.fleet.commandsTo(R3)).containsSubsequence(R3 + " REPLICAOF NO ONE", R3 + " REPLICAOF " + M1);
            assertThat(rig.fleet.isMaster(R3)).as("pointed back at the registry's master").isFalse();
            assertThat(rig.group("g1").master().address()).isEqualTo(a(M1));
        }
    }

    // ---- planned switchover ------------------------------------------------------------------------

    @Test
    void switchoverPicksTheBestReplicaAndUsesFailoverTo() {
        try (Rig rig = new Rig().leading()) {
            rig.fleet.offset(R2, 7000);
            rig.registry.submit(new RequestSwitchover(Rig.C, "g1", null, rig.time.millis()));
            rig.tick(100);
            Group g = rig.group("g1");
            assertThat(g.master().address()).isEqualTo(a(R2));
            assertThat(rig.fleet.commandsTo(M1)).contains(M1 + " FAILOVER TO " + R2);
            assertThat(last(g).planned()).isTrue();
            assertThat(last(g).outcome()).isEqualTo("done");
        }
    }

    @Test
    void switchoverWithoutAGoodReplicaAborts() {
        try (Rig rig = new Rig().leading()) {
            rig.policy(Map.of("autoBan", false));
            rig.everywhere("127.0.0.1:7012", SILENT);
            rig.run(1500);
            rig.registry.submit(new RequestSwitchover(Rig.C, "g2", null, rig.time.millis()));
            rig.tick(100);
            assertThat(rig.events()).contains("-failover-abort-no-good-replica");
            assertThat(rig.group("g2").master().address()).isEqualTo(a(M2));
        }
    }

    @Test
    void switchoverThatRedisRefusesAborts() {
        try (Rig rig = new Rig().leading()) {
            rig.fleet.failCommands(M1, true);
            rig.registry.submit(new RequestSwitchover(Rig.C, "g1", a(R3), rig.time.millis()));
            rig.tick(100);
            assertThat(rig.events()).contains("-failover-abort-switchover-failed");
            assertThat(rig.group("g1").master().address()).isEqualTo(a(M1));
        }
    }
}
