package io.cfgserver.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.workflows.migration.MigrateSlotsWorkflowImpl;
import io.cfgserver.workflows.migration.SplitSlotsWorkflowImpl;
import io.cfgserver.workflows.replica.AddReplicaWorkflowImpl;
import io.cfgserver.workflows.scaling.RebalanceWorkflowImpl;
import io.cfgserver.workflows.scaling.ScaleInWorkflowImpl;
import io.cfgserver.workflows.scaling.ScaleOutWorkflowImpl;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Replays real histories (recorded by the end-to-end tests, {@code tests/.../support/Histories}, and
 * kept under {@code src/test/resources/histories/}) against today's workflow code. A change of command
 * order that is not guarded by {@code Workflow.getVersion} fails here, not in a job that runs across a
 * rolling upgrade of the peers. {@code <type>-v0.json} files come from code before a guarded change.
 */
class HistoryReplayTest {
    /** Which implementation replays the histories of each job type (file names start with the type). */
    static final Map<String, Class<?>> IMPLEMENTATIONS = Map.of(
            Jobs.ADD_REPLICA, AddReplicaWorkflowImpl.class,
            Jobs.MIGRATE_SLOTS, MigrateSlotsWorkflowImpl.class,
            Jobs.SPLIT_SLOTS, SplitSlotsWorkflowImpl.class,
            Jobs.SCALE_OUT, ScaleOutWorkflowImpl.class,
            Jobs.SCALE_IN, ScaleInWorkflowImpl.class,
            Jobs.REBALANCE, RebalanceWorkflowImpl.class,
            Jobs.CONFIG_ROLLOUT, io.cfgserver.workflows.config.ConfigRolloutWorkflowImpl.class);

    static Stream<Path> histories() throws IOException, URISyntaxException {
        Path dir = Path.of(HistoryReplayTest.class.getResource("/histories").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @Test
    void everyJobTypeHasAHistoryToReplay() throws Exception {
        List<String> names = histories().map(p -> p.getFileName().toString()).toList();
        for (String type : IMPLEMENTATIONS.keySet()) {
            assertThat(names).as("a recorded history of %s", type).anyMatch(n -> n.startsWith(type + ".")
                    || n.startsWith(type + "-v"));
        }
        assertThat(names).as("a history from before the enter-job change").contains("add-replica-v0.json");
    }

    @ParameterizedTest
    @MethodSource("histories")
    void replaysWithTodaysCode(Path file) throws Exception {
        String name = file.getFileName().toString();
        String type = IMPLEMENTATIONS.keySet().stream().filter(t -> name.startsWith(t + ".") || name.startsWith(t + "-v"))
                .findFirst().orElseThrow(() -> new AssertionError(name + " names no job type of " + IMPLEMENTATIONS.keySet()));
        WorkflowReplayer.replayWorkflowExecution(WorkflowExecutionHistory.fromJson(Files.readString(file)),
                IMPLEMENTATIONS.get(type));
    }
}
