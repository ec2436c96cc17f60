package io.cfgserver.workflows.replica;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The add-replica job: look up the group's master, {@code REPLICAOF} it on the new instance, wait
 * until the instance has caught up, register it as a replica, finish the job in the catalog.
 *
 * <p>Outcome: returns on success (job SUCCEEDED); fails with an {@code ApplicationFailure} of
 * type {@link #FAILURE_TYPE} (job FAILED, the message says at which step and why); completes as
 * cancelled on a Temporal cancel before the commit point (instance detached, job CANCELLED).
 */
@WorkflowInterface
public interface AddReplicaWorkflow extends io.cfgserver.workflows.JobControl {

    /** Type of the failure the workflow fails with. */
    String FAILURE_TYPE = "AddReplicaFailed";

    @WorkflowMethod
    AddReplicaResult run(AddReplicaRequest request);
}
