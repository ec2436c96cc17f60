package io.cfgserver.workflows.scaling;

import io.cfgserver.activities.planning.ScaleRequest;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Job {@code scale-out: register the new groups (empty masters), rebuild their replicas (add-replica children), move slots to them by weight (migrate-slots children)}. Workflow type {@code ScaleOutWorkflow}, input a {@link ScaleRequest}. */
@WorkflowInterface
public interface ScaleOutWorkflow extends ScaleJob {
    @WorkflowMethod
    ScaleResult run(ScaleRequest request);
}
