package io.cfgserver.activities.registry;

import io.cfgserver.registry.topology.JobState;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Registry reads and commands used by long jobs. Addresses are {@code host:port}.
 *
 * <p>Failures: {@link #FAILURE_NOT_FOUND} and {@link #FAILURE_REJECTED} are non-retryable;
 * an unavailable registry ({@code RegistryUnavailableException}) is retried.
 */
@ActivityInterface(namePrefix = "Registry")
public interface RegistryActivities {

    /** The cluster, group or job does not exist. */
    String FAILURE_NOT_FOUND = "RegistryNotFound";
    /** The registry refused the command (conflict or invalid); the message says why. */
    String FAILURE_REJECTED = "RegistryRejected";

    /** The address of the group's master, as of a linearizable read. */
    @ActivityMethod
    String groupMaster(String cluster, String group);

    /** Whether {@code address} is registered as a replica of the group. */
    @ActivityMethod
    boolean isReplicaRegistered(String cluster, String group, String address);

    /**
     * Registers {@code address} as a replica of the group ({@code AddReplica}). Succeeds without a
     * change when it is already one.
     *
     * @param priority promotion priority, null for the default; 0 means never promote
     * @param region   the replica's region, null when regions are not used
     */
    @ActivityMethod
    void registerReplica(String cluster, String group, String address, Integer priority, String region);

    /**
     * Enters the job in the catalog ({@code BeginJob}), taking the cluster's job
     * lock when {@code changesTopology}: the first step of every job workflow, so a workflow started from
     * the Temporal UI, the {@code temporal} CLI or a Schedule holds the lock like one started through the
     * REST API. Idempotent: the same workflow entering its job again changes nothing. Fails
     * non-retryably ({@link #FAILURE_REJECTED}) when the cluster is busy or the job cannot be entered.
     */
    @ActivityMethod
    void enterJob(String cluster, String jobId, String workflowId, String type, java.util.Map<String, String> params,
            boolean changesTopology);

    /** Moves a running job to {@code RUNNING} or {@code PAUSED} (the catalog shows where it is). */
    @ActivityMethod
    void markJob(String cluster, String jobId, JobState state, String message);

    /**
     * Moves a job to a terminal state. Succeeds without a change when it is already in that state;
     * fails non-retryably when it finished in another.
     */
    @ActivityMethod
    void finishJob(String cluster, String jobId, JobState state, String message);

    /** Appends an event ({@code +name} / {@code -name}) to the cluster's log. A retry may record it twice. */
    @ActivityMethod
    void recordEvent(String cluster, String type, String subject, String message);
}
