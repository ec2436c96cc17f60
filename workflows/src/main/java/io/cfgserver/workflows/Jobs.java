package io.cfgserver.workflows;

import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import java.util.List;

/**
 * Names and options every job shares. A job's Temporal workflow id is its registry job id; its
 * search attributes {@code CfgCluster} and {@code CfgJobType} (both Keyword) let the Temporal UI
 * list a cluster's jobs. The namespace must know those attributes: with the dev server,
 * {@code temporal server start-dev --search-attribute CfgCluster=Keyword --search-attribute CfgJobType=Keyword}.
 */
public final class Jobs {
    /** The task queue the cfgserver worker polls, unless configured otherwise. */
    public static final String TASK_QUEUE = "cfgserver";

    /** Job type of the replica (re)build: attach an empty instance, wait for the sync, register it. */
    public static final String ADD_REPLICA = "add-replica";

    /** Job type of the slot move: copy a slot range to another group, online, then switch its owner. */
    public static final String MIGRATE_SLOTS = "migrate-slots";

    /** Job type of a split: a new group takes a range of one group by replication (a step of scale-out). */
    public static final String SPLIT_SLOTS = "split-slots";

    /** Scale jobs: add groups, drain groups, even out the slots (docs/jobs.md). */
    public static final String SCALE_OUT = "scale-out";
    public static final String SCALE_IN = "scale-in";
    public static final String REBALANCE = "rebalance";

    /** Job type of a config rollout: a config version onto every instance and proxy (docs/config.md). */
    public static final String CONFIG_ROLLOUT = "config-rollout";

    /** Search attribute: the cluster a job works on. */
    public static final SearchAttributeKey<String> CLUSTER = SearchAttributeKey.forKeyword("CfgCluster");
    /** Search attribute: the job type ({@link #ADD_REPLICA}, ...). */
    public static final SearchAttributeKey<String> JOB_TYPE = SearchAttributeKey.forKeyword("CfgJobType");
    /** The search attributes a namespace must have registered (all Keyword). */
    public static final List<SearchAttributeKey<String>> SEARCH_ATTRIBUTES = List.of(CLUSTER, JOB_TYPE);

    /** How long a job may run in total, pauses included, before Temporal terminates it. */
    public static final Duration EXECUTION_TIMEOUT = Duration.ofHours(24);

    private Jobs() {
    }

    /** {@link #workflowOptions(String, String, String, String)} on the default task queue. */
    public static WorkflowOptions workflowOptions(String jobId, String cluster, String jobType) {
        return workflowOptions(TASK_QUEUE, jobId, cluster, jobType);
    }

    /**
     * Options to start a job's workflow: workflow id = {@code jobId} (a job id is never reused,
     * so a second start of the same job fails with {@code WorkflowExecutionAlreadyStarted}),
     * the search attributes, and {@link #EXECUTION_TIMEOUT}.
     */
    public static WorkflowOptions workflowOptions(String taskQueue, String jobId, String cluster, String jobType) {
        return WorkflowOptions.newBuilder()
                .setWorkflowId(jobId)
                .setTaskQueue(taskQueue)
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .setWorkflowExecutionTimeout(EXECUTION_TIMEOUT)
                .setTypedSearchAttributes(SearchAttributes.newBuilder()
                        .set(CLUSTER, cluster)
                        .set(JOB_TYPE, jobType)
                        .build())
                .build();
    }
}
