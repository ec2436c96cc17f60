package io.cfgserver.registry.command;

import java.util.Map;

/**
 * Enters a job in the catalog. A topology-changing job takes the cluster's lock: it is refused
 * while another topology-changing job of the cluster is not finished.
 */
public record BeginJob(String cluster, String job, String jobType, String workflowId, Map<String, String> params,
        boolean changesTopology, long atMillis) implements Command {
    public BeginJob {
        params = params == null ? Map.of() : Map.copyOf(params);
    }
}
