package io.cfgserver.workflows.scaling;

/** The {@link ScaleOutWorkflow}: the shared body of {@link ScaleWorkflowBase}. */
public class ScaleOutWorkflowImpl extends ScaleWorkflowBase implements ScaleOutWorkflow {
    @Override
    protected String kind() {
        return io.cfgserver.workflows.Jobs.SCALE_OUT;
    }
}
