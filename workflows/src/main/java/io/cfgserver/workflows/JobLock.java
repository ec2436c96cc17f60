package io.cfgserver.workflows;

import io.cfgserver.activities.registry.RegistryActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.util.Map;
import java.util.TreeMap;

/**
 * The first step of every job workflow: enter the job in the registry's catalog, which is also the
 * cluster's job lock. A workflow started through the REST API finds its job entered already (the
 * service entered it to answer 409 at once); one started from the Temporal UI, the {@code temporal}
 * CLI or a Schedule enters it here, or fails with the registry's reason (cluster busy, invalid). A
 * child job of a scale job (its {@code parentJob} set) is entered without the lock: its parent holds it.
 */
public final class JobLock {
    /** Failure type of a workflow whose job could not be entered: nothing was changed. */
    public static final String FAILURE_REFUSED = "JobRefused";

    private JobLock() {
    }

    /**
     * The job id of the running workflow: the request's, or else its workflow id with every character a
     * job id cannot hold replaced by '-' (a Schedule appends a timestamp such as {@code 2026-12-04T03:00:00Z}).
     */
    public static String jobId(String requested) {
        if (requested != null && !requested.isBlank()) {
            return requested;
        }
        String id = Workflow.getInfo().getWorkflowId().replaceAll("[^A-Za-z0-9._-]", "-");
        return id.length() <= 80 ? id : id.substring(id.length() - 80);
    }

    /** The change that added this step to the job workflows: histories recorded before it do not have it. */
    public static final String CHANGE_ID = "enter-job";

    public static void enter(RegistryActivities registry, String cluster, String jobId, String type,
            Map<String, String> params, String parentJob) {
        if (Workflow.getVersion(CHANGE_ID, Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
            return; // a job started before workflows entered their own jobs: the REST service entered it
        }
        Map<String, String> p = new TreeMap<>(params);
        if (parentJob != null) {
            p.put("parent", parentJob);
        }
        try {
            registry.enterJob(cluster, jobId, Workflow.getInfo().getWorkflowId(), type, p, parentJob == null);
        } catch (ActivityFailure f) {
            throw ApplicationFailure.newNonRetryableFailureWithCause(type + " job-[" + jobId + "] not started, nothing"
                    + " changed: " + reason(f), FAILURE_REFUSED, f);
        }
    }

    /** The innermost message of a failure. */
    public static String reason(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof ActivityFailure || t instanceof io.temporal.failure.ChildWorkflowFailure) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof TemporalFailure tf ? tf.getOriginalMessage() : String.valueOf(t);
    }
}
