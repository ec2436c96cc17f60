package io.cfgserver.workflows.scaling;

import io.cfgserver.activities.planning.ScaleRequest;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Job {@code scale-in: move every slot of the drained groups to the others by weight, then remove the groups; their instances are left running, empty}. Workflow type {@code ScaleInWorkflow}, input a {@link ScaleRequest}. */
@WorkflowInterface
public interface ScaleInWorkflow extends ScaleJob {
    @WorkflowMethod
    ScaleResult run(ScaleRequest request);
}
