package io.cfgserver.workflows;

import io.cfgserver.activities.redis.RedisActivities;
import io.cfgserver.activities.redis.RedisActivitiesImpl;
import io.cfgserver.activities.migration.MoveActivitiesImpl;
import io.cfgserver.activities.registry.MoveRegistryActivitiesImpl;
import io.cfgserver.activities.registry.RegistryActivitiesImpl;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.workflows.migration.MigrateSlotsWorkflowImpl;
import io.cfgserver.workflows.replica.AddReplicaWorkflowImpl;
import io.cfgserver.workflows.scaling.RebalanceWorkflowImpl;
import io.cfgserver.workflows.scaling.ScaleInWorkflowImpl;
import io.cfgserver.workflows.scaling.ScaleOutWorkflowImpl;
import io.cfgserver.activities.planning.ScaleActivitiesImpl;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkflowImplementationOptions;

/** Registers every job workflow and the activities they call on one worker. */
public final class WorkerRegistration {

    private WorkerRegistration() {
    }

    /** Registers the workflows with the registry's activities and Jedis-backed Redis activities. */
    public static void register(Worker worker, RegistryClient registry) {
        register(worker, registry, new RedisActivitiesImpl());
    }

    /**
     * Registers the workflows, {@code RegistryActivitiesImpl(registry)} and {@code redis} (a
     * {@link RedisActivitiesImpl}, or a fake in tests). Call before {@code WorkerFactory.start()}.
     */
    public static void register(Worker worker, RegistryClient registry, RedisActivities redis) {
        register(worker, registry, redis, WorkflowImplementationOptions.getDefaultInstance());
    }

    /**
     * As {@link #register(Worker, RegistryClient, RedisActivities)}, with options for the
     * workflow implementations; {@code WorkflowImplementationOptions.setActivityOptions} overrides
     * the timeouts of {@link ActivityProfiles} per activity type (e.g. {@code "RedisAwaitReplicaSynced"}).
     */
    public static void register(Worker worker, RegistryClient registry, RedisActivities redis,
            WorkflowImplementationOptions options) {
        worker.registerWorkflowImplementationTypes(options, AddReplicaWorkflowImpl.class, MigrateSlotsWorkflowImpl.class,
                io.cfgserver.workflows.migration.SplitSlotsWorkflowImpl.class,
                ScaleOutWorkflowImpl.class, ScaleInWorkflowImpl.class, RebalanceWorkflowImpl.class,
                io.cfgserver.workflows.config.ConfigRolloutWorkflowImpl.class);
        worker.registerActivitiesImplementations(new RegistryActivitiesImpl(registry), redis,
                new MoveRegistryActivitiesImpl(registry),
                new MoveActivitiesImpl(new io.cfgserver.activities.registry.SilentProxyGate(registry)), new ScaleActivitiesImpl(registry),
                new io.cfgserver.activities.migration.SplitActivitiesImpl(),
                new io.cfgserver.activities.config.ConfigActivitiesImpl(registry));
    }
}
