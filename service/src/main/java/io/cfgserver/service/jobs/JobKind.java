package io.cfgserver.service.jobs;

import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.Set;

/**
 * One kind of job: its type name, its parameters (checked against the registry before anything is
 * stored: a bad request answers 4xx and changes nothing), whether it changes topology (then it holds
 * the cluster's job lock), and how its workflow starts. {@link JobService} dispatches on the type.
 */
interface JobKind {
    String type();

    boolean changesTopology();

    /** The parameters it knows (others are refused). */
    Set<String> params();

    /**
     * Checks {@code params} against the registry and prepares the start of job {@code jobId}; throws
     * {@link JobException} when refused.
     */
    Prepared prepare(RegistryState state, Cluster cluster, JobParams params, String jobId);

    /** A checked request: its job id and how to start its workflow. */
    interface Prepared {
        String jobId();

        void start(WorkflowClient client, WorkflowOptions options);
    }
}
