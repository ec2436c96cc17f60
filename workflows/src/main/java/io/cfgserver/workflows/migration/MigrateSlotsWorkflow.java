package io.cfgserver.workflows.migration;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The migrate-slots job (docs/migration.md): record the move, copy the range while tracking changes,
 * hold the source (pause, last keys, fence), commit the new owner, wait for the proxies, lift the
 * fence, delete the moved keys from the source. Cancel before the commit rolls back exactly; after
 * it, the job goes forward.
 */
@WorkflowInterface
public interface MigrateSlotsWorkflow extends io.cfgserver.workflows.JobControl {
    String FAILURE_TYPE = "MigrateSlotsFailed";

    @WorkflowMethod
    MigrateSlotsResult run(MigrateSlotsRequest request);
}
