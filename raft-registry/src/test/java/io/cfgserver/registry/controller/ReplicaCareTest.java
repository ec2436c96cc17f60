package io.cfgserver.registry.controller;

import static io.cfgserver.registry.controller.FakeFleet.Health.SILENT;
import static io.cfgserver.registry.controller.FakeFleet.Health.UP;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.command.EndMaintenance;
import io.cfgserver.registry.command.SetMaintenance;
import io.cfgserver.registry.command.SetReplicaBanned;
import io.cfgserver.registry.topology.Address;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The care of a healthy group: bans and re-admission, replicas that follow another master, master settings. */
class ReplicaCareTest {
    static final String M1 = "127.0.0.1:7001";
    static final String R2 = "127.0.0.1:7002";

    @Test
    void replicaDownForDownAfterIsBannedAndReadmittedOnceInSync() {
        try (Rig rig = new Rig().leading()) {
            rig.everywhere(R2, SILENT);
            rig.run(800);
            assertThat(rig.group("g1").replica(Address.parse(R2)).orElseThrow().banned()).as("not before downAfter").isFalse();
            rig.run(800);
            assertThat(rig.group("g1").replica(Address.parse(R2)).orElseThrow().banned()).isTrue();
            rig.everywhere(R2, UP);
            rig.run(300);
            assertThat(rig.group("g1").replica(Address.parse(R2)).orElseThrow().banned()).isFalse();
            assertThat(rig.events()).containsSubsequence("+ban", "-ban");
        }
    }

    @Test
    void autoBanOffBansNothing() {
        try (Rig rig = new Rig().leading()) {
            rig.policy(Map.of("autoBan", false));
            rig.everywhere(R2, SILENT);
            rig.run(2000);
            assertThat(rig.registry.submitted(SetReplicaBanned.class)).isEmpty();
        }
    }

    @Test
    void laggingReplicaIsBanned() {
        try (Rig rig = new Rig().leading()) {
            rig.policy(Map.of("replicaMaxLagBytes", 100));
            rig.fleet.offset(M1, 10_000);
            rig.fleet.offset(R2, 1_000);
            rig.run(1500);
            assertThat(rig.registry.submitted(SetReplicaBanned.class)).anyMatch(b -> b.address().equals(Address.parse(R2))
                    && b.reason().startsWith("lags 9000 bytes"));
        }
    }

    @Test
    void replicaFollowingAnotherMasterIsPointedBack() {
        try (Rig rig = new Rig().leading()) {
            rig.fleet.replicaOf(Address.parse(R2), Address.parse("127.0.0.1:7011"));
            rig.run(300);
            assertThat(rig.fleet.masterOf(R2)).isEqualTo(Address.parse(M1));
        }
    }

    @Test
    void minReplicasSettingsReachTheMasterOnce() {
        try (Rig rig = new Rig().leading()) {
            rig.policy(Map.of("minReplicasToWrite", 1, "minReplicasMaxLagSeconds", 5));
            rig.run(1000);
            assertThat(rig.fleet.commandsTo(M1).stream().filter(c -> c.contains("min-replicas-to-write 1")).count()).isEqualTo(1);
        }
    }

    @Test
    void stampIsRefreshedEveryTenSeconds() {
        try (Rig rig = new Rig().leading()) {
            long before = rig.fleet.commandsTo(M1).stream().filter(c -> c.endsWith("SET stamp")).count();
            rig.run(10_500);
            assertThat(rig.fleet.commandsTo(M1).stream().filter(c -> c.endsWith("SET stamp")).count()).isEqualTo(before + 1);
        }
    }

    @Test
    void maintenanceWindowsRejectBadTargetsAndEndOnRequest() {
        try (Rig rig = new Rig().leading()) {
            long now = rig.time.millis();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rig.registry.submit(
                    new SetMaintenance(Rig.C, "g9", now + 1000, "", "", now))).hasMessageContaining("group-[g9] is not in");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rig.registry.submit(
                    new SetMaintenance(Rig.C, "127.0.0.1:9999", now + 1000, "", "", now))).hasMessageContaining("is not in");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rig.registry.submit(
                    new SetMaintenance(Rig.C, "g1", now, "", "", now))).hasMessageContaining("end in the future");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rig.registry.submit(
                    new SetMaintenance(Rig.C, "g1", now + 8L * 24 * 3600 * 1000, "", "", now))).hasMessageContaining("at most");
            rig.registry.submit(new SetMaintenance(Rig.C, "g1", now + 60_000, "x", "bob", now));
            assertThat(rig.cluster().maintenanceOf("g1", now)).isPresent();
            rig.registry.submit(new EndMaintenance(Rig.C, "g1", "cleared by bob", now));
            assertThat(rig.cluster().maintenance()).isEmpty();
            assertThat(rig.events()).containsSubsequence("+maintenance", "-maintenance");
        }
    }
}
