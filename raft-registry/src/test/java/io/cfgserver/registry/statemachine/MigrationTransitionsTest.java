package io.cfgserver.registry.statemachine;

import static io.cfgserver.registry.statemachine.TransitionsTest.T;
import static io.cfgserver.registry.statemachine.TransitionsTest.a;
import static io.cfgserver.registry.statemachine.TransitionsTest.demo;
import static io.cfgserver.registry.statemachine.TransitionsTest.ok;
import static io.cfgserver.registry.statemachine.TransitionsTest.rejects;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.command.AssignSlots;
import io.cfgserver.registry.command.BeginFailover;
import io.cfgserver.registry.command.BeginMigration;
import io.cfgserver.registry.command.CommitMigration;
import io.cfgserver.registry.command.EndMigration;
import io.cfgserver.registry.command.PromoteReplica;
import io.cfgserver.registry.command.RejectCode;
import io.cfgserver.registry.command.RemoveGroup;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Migration;
import io.cfgserver.registry.topology.MigrationState;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.registry.topology.SlotRange;
import java.util.List;
import org.junit.jupiter.api.Test;

/** demo(): g1 owns 0..340, g2 341..681, g3 682..1023. */
class MigrationTransitionsTest {
    static Cluster demoCluster(RegistryState s) {
        return s.cluster("demo").orElseThrow();
    }

    static RegistryState begun() {
        return ok(demo(), new BeginMigration("demo", "m1", 0, 99, "g2", T));
    }

    @Test
    void beginsAMoveOfSlotsOwnedByOneGroupWithoutChangingTheMap() {
        RegistryState s = begun();
        Cluster c = demoCluster(s);
        assertThat(c.migrations()).containsExactly(new Migration("m1", 0, 99, "g1", "g2", 0, 0, MigrationState.COPYING, T));
        assertThat(c.version()).isEqualTo(demoCluster(demo()).version());
        assertThat(c.slots().owner(0)).isEqualTo("g1");
        assertThat(s.events().get("demo").get(s.events().get("demo").size() - 1).type()).isEqualTo("+migration-start");
    }

    @Test
    void refusesBadMovesAndChangesNothing() {
        RegistryState s = begun();
        rejects(demo(), new BeginMigration("demo", "m2", 300, 400, "g3", T), RejectCode.INVALID, "owned by 2 groups");
        rejects(demo(), new BeginMigration("demo", "m2", 0, 10, "g1", T), RejectCode.INVALID, "already belong");
        rejects(demo(), new BeginMigration("demo", "m2", 0, 10, "g9", T), RejectCode.NOT_FOUND, "group-[g9]");
        rejects(demo(), new BeginMigration("demo", "m2", 20, 10, "g2", T), RejectCode.INVALID, "not a range");
        rejects(demo(), new BeginMigration("demo", "m2", 0, 1024, "g2", T), RejectCode.INVALID, "not a range");
        rejects(demo(), new BeginMigration("demo", "m2", 0, 10, null, T), RejectCode.INVALID, "target is missing");
        rejects(s, new BeginMigration("demo", "m2", 50, 150, "g3", T), RejectCode.CONFLICT, "overlap migration-[m1]");
        rejects(s, new BeginMigration("demo", "m1", 0, 50, "g2", T), RejectCode.CONFLICT, "a job moves one range");
        rejects(s, new AssignSlots("demo", List.of(new SlotRange(0, 1023, "g1")), T), RejectCode.CONFLICT, "moving");
        rejects(s, new RemoveGroup("demo", "g2", T), RejectCode.CONFLICT, "takes part in migration-[m1]");
        assertThat(ok(s, new BeginMigration("demo", "m3", 400, 500, "g3", T)).cluster("demo").orElseThrow().migrations())
                .as("a move of other slots may run beside it").hasSize(2);
    }

    @Test
    void theCommitMovesTheSlotsAndBumpsTheVersionOnce() {
        RegistryState s = ok(begun(), new CommitMigration("demo", "m1", 0, 0, T));
        Cluster c = demoCluster(s);
        assertThat(c.slots().owner(0)).isEqualTo("g2");
        assertThat(c.slots().owner(99)).isEqualTo("g2");
        assertThat(c.slots().owner(100)).isEqualTo("g1");
        assertThat(c.version()).isEqualTo(demoCluster(demo()).version() + 1);
        assertThat(c.migration("m1").orElseThrow().state()).isEqualTo(MigrationState.COMMITTED);
        assertThat(demoCluster(ok(s, new CommitMigration("demo", "m1", 0, 0, T))).version()).as("idempotent")
                .isEqualTo(c.version());
        rejects(s, new EndMigration("demo", "m1", true, "cancelled", "", T), RejectCode.CONFLICT, "cannot be aborted");
        RegistryState done = ok(s, new EndMigration("demo", "m1", false, "done", "", T));
        assertThat(demoCluster(done).migrations()).isEmpty();
        assertThat(demoCluster(done).slots().owner(0)).isEqualTo("g2");
    }

    @Test
    void aFailoverOfTheSourceDuringTheCopyRefusesTheCommitUntilTheCopyStartsAgain() {
        RegistryState s = ok(begun(), new BeginFailover("demo", "g1", 1, a("127.0.0.1:7002"), "test", T));
        s = ok(s, new PromoteReplica("demo", "g1", 1, T));
        rejects(s, new CommitMigration("demo", "m1", 0, 0, T), RejectCode.CONFLICT, "failed over since the copy began");
        RegistryState again = ok(s, new BeginMigration("demo", "m1", 0, 99, "g2", T));
        assertThat(demoCluster(again).migration("m1").orElseThrow().sourceEpoch()).isEqualTo(1);
        rejects(again, new CommitMigration("demo", "m1", 0, 0, T), RejectCode.CONFLICT, "copied at epochs 0/0");
        assertThat(demoCluster(ok(again, new CommitMigration("demo", "m1", 1, 0, T))).slots().owner(0)).isEqualTo("g2");
    }

    @Test
    void anAbortBeforeTheCommitLeavesTheMapAsItWas() {
        RegistryState s = begun();
        rejects(s, new EndMigration("demo", "m1", false, "done", "", T), RejectCode.CONFLICT, "has not committed");
        rejects(s, new EndMigration("demo", "m1", true, "Bad Word", "", T), RejectCode.INVALID, "outcome");
        RegistryState aborted = ok(s, new EndMigration("demo", "m1", true, "cancelled", "by the operator", T));
        assertThat(demoCluster(aborted).migrations()).isEmpty();
        assertThat(demoCluster(aborted).slots()).isEqualTo(demoCluster(demo()).slots());
        assertThat(aborted.events().get("demo").get(aborted.events().get("demo").size() - 1).type())
                .isEqualTo("-migration-abort-cancelled");
        assertThat(ok(aborted, new EndMigration("demo", "m1", true, "cancelled", "", T))).as("ended already: idempotent")
                .isEqualTo(aborted);
    }
}
