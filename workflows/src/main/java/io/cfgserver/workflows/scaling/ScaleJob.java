package io.cfgserver.workflows.scaling;

import io.cfgserver.workflows.JobProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;

/**
 * What the three scale workflows ({@link ScaleOutWorkflow}, {@link ScaleInWorkflow},
 * {@link RebalanceWorkflow}) answer besides their run: the progress query and pause/resume. A pause
 * starts no new move; the moves running finish (a move is paused only between its copy attempts).
 */
public interface ScaleJob {
    String FAILURE_TYPE = "ScaleFailed";

    @QueryMethod
    JobProgress progress();

    @SignalMethod
    void pause();

    @SignalMethod
    void resume();
}
