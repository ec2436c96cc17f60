package io.cfgserver.workflows.migration;

import io.cfgserver.workflows.JobProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The split fast path (docs/migration.md, "Split"): a move of {@code from..to} into a new, empty group
 * by replication. Its target must own no slots. Same guarantees as {@link MigrateSlotsWorkflow}: cancel
 * before the commit rolls back (the target is emptied), after it the job goes forward.
 */
@WorkflowInterface
public interface SplitSlotsWorkflow {
    String FAILURE_TYPE = "SplitSlotsFailed";

    @WorkflowMethod
    MigrateSlotsResult run(MigrateSlotsRequest request);

    @QueryMethod
    JobProgress progress();

    /** Parks the job before the cut-over (never after the commit). */
    @SignalMethod
    void pause();

    @SignalMethod
    void resume();
}
