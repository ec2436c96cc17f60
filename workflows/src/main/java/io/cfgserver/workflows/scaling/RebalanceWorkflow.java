package io.cfgserver.workflows.scaling;

import io.cfgserver.activities.planning.ScaleRequest;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Job {@code rebalance: move slots until every group owns a share proportional to its weight, within a tolerance (by slot count or by sampled memory)}. Workflow type {@code RebalanceWorkflow}, input a {@link ScaleRequest}. */
@WorkflowInterface
public interface RebalanceWorkflow extends ScaleJob {
    @WorkflowMethod
    ScaleResult run(ScaleRequest request);
}
