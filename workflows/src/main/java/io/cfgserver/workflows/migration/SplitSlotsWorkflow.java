package io.cfgserver.workflows.migration;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The split fast path (docs/migration.md, "Split"): a move of {@code from..to} into a new, empty group
 * by replication. Its target must own no slots. Same guarantees as {@link MigrateSlotsWorkflow}: cancel
 * before the commit rolls back (the target is emptied), after it the job goes forward.
 */
@WorkflowInterface
public interface SplitSlotsWorkflow extends io.cfgserver.workflows.JobControl {
    String FAILURE_TYPE = "SplitSlotsFailed";

    @WorkflowMethod
    MigrateSlotsResult run(MigrateSlotsRequest request);
}
