package io.cfgserver.tests.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The fixture itself: a real dev server, its database surviving a crash and a restart. */
class TemporalDevServerIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void keepsWorkflowsAcrossKillAndRestartOnTheSamePorts() {
        try (TemporalDevServer temporal = TemporalDevServer.start(dir)) {
            assertThat(temporal.target()).startsWith("127.0.0.1:");
            assertThat(temporal.cli("workflow", "start", "--task-queue", "fixture-check",
                    "--type", "Nothing", "--workflow-id", "survives-restart")).isPresent();
            int port = temporal.port();

            temporal.kill9();
            assertThat(temporal.isRunning()).isFalse();
            temporal.restart();

            assertThat(temporal.port()).isEqualTo(port);
            assertThat(temporal.cli("workflow", "describe", "--workflow-id", "survives-restart"))
                    .hasValueSatisfying(out -> assertThat(out).contains("survives-restart", "fixture-check"));
            assertThat(temporal.cli("operator", "search-attribute", "list"))
                    .hasValueSatisfying(out -> assertThat(out).contains("CfgCluster", "CfgJobType"));
        }
    }

    @Test
    @Timeout(120)
    void stopsGracefullyAndLeavesNothingListening() {
        TemporalDevServer temporal = TemporalDevServer.start(dir);
        int port = temporal.port();
        temporal.close();

        assertThat(temporal.isRunning()).isFalse();
        assertThat(LoopbackPorts.accepting(port)).isFalse();
    }
}
