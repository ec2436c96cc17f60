package io.cfgserver.tests.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Keeps real workflow histories of an end-to-end run: for each job type, the first job that
 * succeeded, as {@code target/histories/<type>.json}. Copied into
 * {@code workflows/src/test/resources/histories/} they are replayed against the code of every later
 * build ({@code HistoryReplayTest}), so a change of a workflow's command order that running jobs
 * would trip over fails the build instead of a rolling upgrade.
 */
public final class Histories {
    private Histories() {
    }

    /** {@code jobs}: a cluster's catalog ({@code GET /v1/clusters/{name}/jobs}). Best effort: a failure is printed. */
    public static void save(String temporalTarget, JsonNode jobs, Path dir) {
        WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
                .setTarget(temporalTarget).build());
        try {
            WorkflowClient client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().build());
            Files.createDirectories(dir);
            Set<String> seen = new HashSet<>();
            for (JsonNode j : jobs) {
                String type = j.path("type").asText();
                if (!j.path("state").asText().equals("SUCCEEDED") || !seen.add(type)) {
                    continue;
                }
                String json = client.fetchHistory(j.path("workflowId").asText()).toJson(true);
                Files.writeString(dir.resolve(type + ".json"), json);
            }
            System.out.println("histories of " + seen + " kept in " + dir.toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            System.out.println("could not keep the histories: " + e);
        } finally {
            stubs.shutdownNow();
        }
    }
}
