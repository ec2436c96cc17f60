package io.cfgserver.activities.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.registry.client.RegistryUnavailableException;
import io.cfgserver.registry.command.AddReplica;
import io.cfgserver.registry.command.BeginJob;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Event;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.testing.InMemoryRegistryClient;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistryActivitiesImplTest {
    private final InMemoryRegistryClient registry = new InMemoryRegistryClient();
    private final RegistryActivitiesImpl activities = new RegistryActivitiesImpl(registry,
            Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC));

    @BeforeEach
    void cluster() {
        registry.given(new CreateCluster("c1", List.of(new GroupSpec("g1", Address.parse("127.0.0.1:7000"),
                List.of()), new GroupSpec("g2", Address.parse("127.0.0.1:7100"), List.of())), List.of(), 1));
        registry.given(new BeginJob("c1", "job-1", "add-replica", "job-1", Map.of(), true, 2));
    }

    @Test
    void looksUpTheMasterOfAGroup() {
        assertThat(activities.groupMaster("c1", "g1")).isEqualTo("127.0.0.1:7000");
    }

    @Test
    void failsWithoutRetryWhenTheClusterOrGroupIsUnknown() {
        assertThatThrownBy(() -> activities.groupMaster("nope", "g1"))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                    assertThat(f.isNonRetryable()).isTrue();
                    assertThat(f.getType()).isEqualTo(RegistryActivities.FAILURE_NOT_FOUND);
                    assertThat(f.getOriginalMessage()).contains("cluster-[nope] does not exist");
                });
        assertThatThrownBy(() -> activities.groupMaster("c1", "g9"))
                .isInstanceOfSatisfying(ApplicationFailure.class,
                        f -> assertThat(f.getOriginalMessage()).contains("group-[g9] does not exist in cluster-[c1]"));
    }

    @Test
    void registersAReplicaOnceEvenWhenCalledTwice() {
        activities.registerReplica("c1", "g1", "127.0.0.1:7001", 50, "eu");
        activities.registerReplica("c1", "g1", "127.0.0.1:7001", 50, "eu");

        Group g1 = registry.read().cluster("c1").orElseThrow().group("g1").orElseThrow();
        assertThat(g1.replicas()).containsExactly(new Instance(Address.parse("127.0.0.1:7001"), 50, "eu", false));
        assertThat(registry.applied()).filteredOn(AddReplica.class::isInstance).hasSize(1);
        assertThat(activities.isReplicaRegistered("c1", "g1", "127.0.0.1:7001")).isTrue();
        assertThat(activities.isReplicaRegistered("c1", "g2", "127.0.0.1:7001")).isFalse();
    }

    @Test
    void turnsARefusedCommandIntoANonRetryableFailure() {
        // 7100 is the master of g2: one address, one role.
        assertThatThrownBy(() -> activities.registerReplica("c1", "g1", "127.0.0.1:7100", null, null))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                    assertThat(f.isNonRetryable()).isTrue();
                    assertThat(f.getType()).isEqualTo(RegistryActivities.FAILURE_REJECTED);
                    assertThat(f.getOriginalMessage()).contains("CONFLICT").contains("instance-[127.0.0.1:7100]");
                });
    }

    @Test
    void leavesAnUnavailableRegistryRetryable() {
        registry.failNextSubmits(1);

        assertThatThrownBy(() -> activities.registerReplica("c1", "g1", "127.0.0.1:7001", null, null))
                .isInstanceOf(RegistryUnavailableException.class);
        activities.registerReplica("c1", "g1", "127.0.0.1:7001", null, null);
        assertThat(activities.isReplicaRegistered("c1", "g1", "127.0.0.1:7001")).isTrue();
    }

    @Test
    void finishesAJobOnceAndRefusesAnotherEnding() {
        activities.finishJob("c1", "job-1", JobState.SUCCEEDED, "done");
        activities.finishJob("c1", "job-1", JobState.SUCCEEDED, "done");

        assertThat(registry.read().job("job-1").orElseThrow().state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(registry.read().events("c1")).extracting(Event::type).containsOnlyOnce("+job-done");
        assertThatThrownBy(() -> activities.finishJob("c1", "job-1", JobState.FAILED, "late"))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> assertThat(f.isNonRetryable()).isTrue());
    }

    @Test
    void marksAJobPausedAndRunningButNeverFinishedThatWay() {
        activities.markJob("c1", "job-1", JobState.PAUSED, "paused by operator");
        assertThat(registry.read().job("job-1").orElseThrow().state()).isEqualTo(JobState.PAUSED);
        activities.markJob("c1", "job-1", JobState.RUNNING, "");
        assertThat(registry.read().job("job-1").orElseThrow().state()).isEqualTo(JobState.RUNNING);

        assertThatThrownBy(() -> activities.markJob("c1", "job-1", JobState.SUCCEEDED, ""))
                .isInstanceOf(ApplicationFailure.class).hasMessageContaining("finishJob");
        assertThatThrownBy(() -> activities.finishJob("c1", "job-1", JobState.PAUSED, ""))
                .isInstanceOf(ApplicationFailure.class).hasMessageContaining("SUCCEEDED, FAILED or CANCELLED");
    }

    @Test
    void recordsEventsAndRefusesMalformedTypes() {
        activities.recordEvent("c1", "+replica-synced", "instance-[127.0.0.1:7001]", "lag 0");

        assertThat(registry.read().events("c1")).extracting(Event::type).contains("+replica-synced");
        assertThatThrownBy(() -> activities.recordEvent("c1", "no-sign", "x", "y"))
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> assertThat(f.isNonRetryable()).isTrue());
    }
}
