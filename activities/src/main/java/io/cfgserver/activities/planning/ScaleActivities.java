package io.cfgserver.activities.planning;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * The registry and Redis steps of the scale jobs besides the moves themselves (those are
 * migrate-slots child jobs). Refusals are non-retryable ({@link #FAILURE_REFUSED}); an unreachable
 * registry or instance is retried.
 */
@ActivityInterface(namePrefix = "Scale")
public interface ScaleActivities {
    String FAILURE_REFUSED = "ScaleRefused";
    /** The cluster changed since the plan the job was started from was made. */
    String FAILURE_STALE_PLAN = "ScalePlanStale";

    /**
     * Plans the job against the registry as it is now (a linearizable read, every master sampled). With
     * {@code req.planId()} set, checks that planning again gives that plan (same version, same moves)
     * and fails with {@link #FAILURE_STALE_PLAN} otherwise.
     */
    @ActivityMethod
    PlanResult plan(ScaleRequest req);

    /**
     * Checks the request against the registry as a job that has not begun (groups to add must not exist,
     * their addresses must be unused): the first step of a scale job, so one started from the Temporal UI
     * or CLI is checked before it changes anything. Fails with {@link #FAILURE_REFUSED} and the reason.
     */
    @ActivityMethod
    void check(ScaleRequest req);

    /** Refuses (non-retryably) an instance that holds keys or replicates another: a new group's master must be empty. */
    @ActivityMethod
    void checkEmptyMaster(String address);

    /** Registers a new group with its master and no slots ({@code AddGroup}); nothing when it is registered so already. */
    @ActivityMethod
    void registerGroup(String cluster, NewGroup group);

    /**
     * Removes a drained group ({@code RemoveGroup}) and returns its instances, which are left running
     * (empty: the moves deleted their keys). Nothing when it is gone already (then an empty list).
     */
    @ActivityMethod
    List<String> removeGroup(String cluster, String group);
}
