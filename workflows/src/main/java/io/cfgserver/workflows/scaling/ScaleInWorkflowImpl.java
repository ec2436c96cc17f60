package io.cfgserver.workflows.scaling;

/** The {@link ScaleInWorkflow}: the shared body of {@link ScaleWorkflowBase}. */
public class ScaleInWorkflowImpl extends ScaleWorkflowBase implements ScaleInWorkflow {
    @Override
    protected String kind() {
        return io.cfgserver.workflows.Jobs.SCALE_IN;
    }
}
