package io.cfgserver.activities.config;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * The steps of a config rollout (docs/config.md). A refusal by Redis or a value that does not read back
 * is non-retryable ({@link #FAILURE_REFUSED}, the message names the instance and the reason); an
 * unreachable instance or registry is retried a few times, then fails the step.
 */
@ActivityInterface(namePrefix = "Config")
public interface ConfigActivities {
    String FAILURE_REFUSED = "ConfigRefused";
    /** A proxy did not serve its new settings in time. */
    String FAILURE_PROXY = "ConfigProxyLate";

    /**
     * Resolves the rollout: {@code version} 0 is the cluster's newest; {@code canary} (may be null) goes
     * first. Refuses an unknown version or canary.
     */
    @ActivityMethod
    RolloutPlan plan(String cluster, long version, String canary);

    /**
     * Sets config {@code version} on every instance of {@code group} as it is now, replicas before the
     * master, one at a time: {@code CONFIG SET}, read back with {@code CONFIG GET} against the version's
     * canonical values, {@code CONFIG REWRITE} where the instance has a config file. Idempotent.
     */
    @ActivityMethod
    List<InstanceApplied> applyGroup(String cluster, long version, String group);

    /**
     * Gives one proxy the version's nutcracker settings ({@code SetProxySettings}) and waits, heartbeating,
     * until its agent serves the new topology version (rendered, restarted, PINGed). Fails with
     * {@link #FAILURE_PROXY} when it does not within the wait.
     */
    @ActivityMethod
    String applyProxy(String cluster, long version, String proxy);

    /** Records the version as rolled out (drift is measured against it from now on). */
    @ActivityMethod
    void markRolledOut(String cluster, long version, String job);

    /**
     * Sets the cluster's rolled-out config on an instance about to join {@code group} (a new replica),
     * before it replicates; returns what was done (nothing when no config was rolled out).
     */
    @ActivityMethod
    String applyToNewInstance(String cluster, String group, String address);
}
