package io.cfgserver.workflows.config;

import io.cfgserver.workflows.JobControl;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Job {@code config-rollout}: put a version of the cluster's config on every instance (replicas before
 * masters, a group or {@code parallel} groups at a time, an optional canary group first with a pause)
 * and its nutcracker settings on every proxy, one proxy at a time (docs/config.md). Workflow type
 * {@code ConfigRolloutWorkflow}, input a {@link ConfigRolloutRequest}.
 */
@WorkflowInterface
public interface ConfigRolloutWorkflow extends JobControl {
    @WorkflowMethod
    ConfigRolloutResult run(ConfigRolloutRequest request);
}
