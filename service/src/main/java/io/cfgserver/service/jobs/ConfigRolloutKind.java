package io.cfgserver.service.jobs;

import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.workflows.Jobs;
import io.cfgserver.workflows.config.ConfigRolloutRequest;
import io.cfgserver.workflows.config.ConfigRolloutWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.Set;

/**
 * {@code config-rollout}: {@code {}} rolls out the newest config version; {@code version}, {@code canary}
 * (a group done first, then the job waits for a resume) and {@code parallel} (groups at a time) optional.
 * Holds the cluster's job lock: no split tunes settings meanwhile, and drift checks wait.
 */
final class ConfigRolloutKind implements JobKind {
    @Override
    public String type() {
        return Jobs.CONFIG_ROLLOUT;
    }

    @Override
    public boolean changesTopology() {
        return true;
    }

    @Override
    public Set<String> params() {
        return Set.of("version", "canary", "parallel");
    }

    @Override
    public Prepared prepare(RegistryState state, Cluster cluster, JobParams p, String jobId) {
        long current = cluster.config().current().version();
        if (current == 0) {
            throw new JobException(409, "conflict", cluster.logId() + " has no config to roll out: store one with PUT"
                    + " /v1/clusters/" + cluster.name() + "/config");
        }
        long version = p.number("version", 0);
        if (version != 0 && cluster.config().version(version).isEmpty()) {
            throw new JobException(404, "not-found", "params.version: config version " + version + " of "
                    + cluster.logId() + " is not kept (the newest is " + current + "; GET .../config/history lists them)");
        }
        String canary = p.text("canary").orElse(null);
        if (canary != null && cluster.group(canary).isEmpty()) {
            throw new JobException(404, "not-found", "params.canary: group-[" + canary + "] is not in " + cluster.logId());
        }
        long parallel = p.number("parallel", 1);
        if (parallel < 1 || parallel > ConfigRolloutRequest.MAX_PARALLEL) {
            throw new JobException(422, "invalid", "params.parallel must be between 1 and "
                    + ConfigRolloutRequest.MAX_PARALLEL + ", got " + parallel);
        }
        ConfigRolloutRequest request = new ConfigRolloutRequest(jobId, cluster.name(), version, canary, (int) parallel);
        return new Prepared() {
            @Override
            public String jobId() {
                return jobId;
            }

            @Override
            public void start(WorkflowClient client, WorkflowOptions options) {
                ConfigRolloutWorkflow w = client.newWorkflowStub(ConfigRolloutWorkflow.class, options);
                WorkflowClient.start(w::run, request);
            }
        };
    }
}
