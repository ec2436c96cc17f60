package io.cfgserver.workflows.replica;

/**
 * A finished add-replica job: {@code replica} is registered in {@code group} and replicates
 * {@code master}.
 */
public record AddReplicaResult(String jobId, String cluster, String group, String replica, String master) {
}
