package io.cfgserver.registry.topology;

import java.util.Map;

/**
 * A long job in the catalog. The registry is its catalog and lock (one topology-changing job per
 * cluster at a time); Temporal ({@code workflowId}) executes it.
 */
public record Job(
        String id,
        String cluster,
        String type,
        String workflowId,
        Map<String, String> params,
        boolean changesTopology,
        JobState state,
        String message,
        long createdMillis,
        long updatedMillis) {
    public Job {
        params = params == null ? Map.of() : Map.copyOf(params);
    }

    public Job with(JobState newState, String newMessage, long atMillis) {
        return new Job(id, cluster, type, workflowId, params, changesTopology, newState, newMessage, createdMillis, atMillis);
    }

    public String logId() {
        return "job-[" + id + "]";
    }
}
