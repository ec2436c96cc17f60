package io.cfgserver.workflows.scaling;

/** The {@link RebalanceWorkflow}: the shared body of {@link ScaleWorkflowBase}. */
public class RebalanceWorkflowImpl extends ScaleWorkflowBase implements RebalanceWorkflow {
    @Override
    protected String kind() {
        return io.cfgserver.workflows.Jobs.REBALANCE;
    }
}
