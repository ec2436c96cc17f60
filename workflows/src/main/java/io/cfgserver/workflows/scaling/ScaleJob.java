package io.cfgserver.workflows.scaling;

/**
 * What the three scale workflows ({@link ScaleOutWorkflow}, {@link ScaleInWorkflow},
 * {@link RebalanceWorkflow}) answer besides their run: the progress query and pause/resume. A pause
 * starts no new move; the moves running finish (a move is paused only between its copy attempts).
 */
public interface ScaleJob extends io.cfgserver.workflows.JobControl {
    String FAILURE_TYPE = "ScaleFailed";
}
