package io.cfgserver.workflows.config;

import io.cfgserver.activities.config.ConfigActivities;
import io.cfgserver.activities.config.InstanceApplied;
import io.cfgserver.activities.config.RolloutPlan;
import io.cfgserver.activities.registry.RegistryActivities;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.workflows.ActivityProfiles;
import io.cfgserver.workflows.JobControl.Rules;
import io.cfgserver.workflows.JobLock;
import io.cfgserver.workflows.JobProgress;
import io.cfgserver.workflows.Jobs;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;

/**
 * Enter → plan → canary (then wait for a resume) → the other groups, {@code parallel} at a time → the
 * proxies, one at a time → mark rolled out → finish. A step that fails (an instance refuses, a proxy
 * does not come back) stops the job there, PAUSED with the instance and the reason: resume tries the
 * failed step again, cancel ends the job (what was set stays set). Deterministic: state lives in
 * fields, every effect is an activity.
 */
public class ConfigRolloutWorkflowImpl implements ConfigRolloutWorkflow {
    private static final Logger log = Workflow.getLogger(ConfigRolloutWorkflowImpl.class);
    private static final List<String> STEPS = List.of("enter", "plan", "canary", "groups", "proxies", "finish");

    private final RegistryActivities registry =
            Workflow.newActivityStub(RegistryActivities.class, ActivityProfiles.registry());
    private final ConfigActivities config =
            Workflow.newActivityStub(ConfigActivities.class, ActivityProfiles.configStep());

    private ConfigRolloutRequest request;
    private String step = "enter";
    private String detail = "starting";
    private JobState state = JobState.RUNNING;
    private boolean pauseRequested;
    private boolean committed;
    private final Map<String, List<InstanceApplied>> done = new LinkedHashMap<>();
    private final List<String> proxiesDone = new ArrayList<>();

    @Override
    public ConfigRolloutResult run(ConfigRolloutRequest requested) {
        ConfigRolloutRequest req = requested == null ? null : requested.withJobId(JobLock.jobId(requested.jobId()));
        request = req;
        String problem = req == null ? "the request is missing" : req.problem();
        if (problem != null) {
            throw invalid(req, problem);
        }
        Map<String, String> params = new TreeMap<>();
        params.put("version", req.version() == 0 ? "latest" : Long.toString(req.version()));
        params.put("parallel", Integer.toString(req.parallel()));
        if (req.canary() != null) {
            params.put("canary", req.canary());
        }
        JobLock.enter(registry, req.cluster(), req.jobId(), Jobs.CONFIG_ROLLOUT, params, null);
        try {
            enter("plan", "resolving config version " + (req.version() == 0 ? "(newest)" : req.version()));
            RolloutPlan plan = config.plan(req.cluster(), req.version(), req.canary());
            long version = plan.version();
            List<String> groups = new ArrayList<>(plan.groups());
            if (req.canary() != null && !groups.isEmpty()) {
                enter("canary", "config version " + version + " on canary group-[" + req.canary() + "]");
                applyGroups(version, List.of(groups.remove(0)));
                park("canary group-[" + req.canary() + "] has config version " + version + ": check it, then resume to"
                        + " roll out to the other " + groups.size() + " groups (or cancel)");
            }
            for (int i = 0; i < groups.size(); i += req.parallel()) {
                parkIfPaused("groups");
                List<String> batch = groups.subList(i, Math.min(groups.size(), i + req.parallel()));
                enter("groups", "config version " + version + " on " + batch + " (" + (i + batch.size()) + "/"
                        + groups.size() + " groups" + (req.canary() == null ? "" : " after the canary") + ")");
                applyGroups(version, batch);
            }
            for (int i = 0; i < plan.proxies().size(); i++) {
                parkIfPaused("proxies");
                String proxy = plan.proxies().get(i);
                enter("proxies", "nutcracker settings of config version " + version + " on proxy-[" + proxy + "] ("
                        + (i + 1) + "/" + plan.proxies().size() + ", one restart at a time)");
                retryUntilResumed(() -> proxiesDone.add(config.applyProxy(req.cluster(), version, proxy)));
            }
            parkIfPaused("finish");
            committed = true;
            Workflow.newDetachedCancellationScope(() -> {
                enter("finish", "recording config version " + version + " as rolled out");
                config.markRolledOut(req.cluster(), version, req.jobId());
                registry.finishJob(req.cluster(), req.jobId(), JobState.SUCCEEDED, summary(version));
            }).run();
            state = JobState.SUCCEEDED;
            detail = summary(version);
            List<InstanceApplied> all = new ArrayList<>();
            done.values().forEach(all::addAll);
            return new ConfigRolloutResult(req.jobId(), req.cluster(), version, all, List.copyOf(proxiesDone));
        } catch (TemporalFailure f) {
            if (!committed && (f instanceof CanceledFailure || CancellationScope.current().isCancelRequested())) {
                throw cancelled();
            }
            throw failed(f);
        }
    }

    private String summary(long version) {
        long set = done.values().stream().flatMap(List::stream).filter(d -> d.outcome().equals("set")).count();
        long skipped = done.values().stream().flatMap(List::stream).filter(d -> !d.outcome().equals("set")).count();
        return "config version " + version + " on " + set + " instances" + (skipped == 0 ? "" : " (" + skipped
                + " skipped: banned or stale)") + " and " + proxiesDone.size() + " proxies given new settings";
    }

    /** Applies the groups in parallel; those that fail stop the job until a resume, then are tried again. */
    private void applyGroups(long version, List<String> batch) {
        List<String> todo = new ArrayList<>(batch);
        while (!todo.isEmpty()) {
            Map<String, Promise<List<InstanceApplied>>> running = new LinkedHashMap<>();
            for (String g : todo) {
                running.put(g, Async.function(config::applyGroup, request.cluster(), version, g));
            }
            List<String> reasons = new ArrayList<>();
            List<String> failedGroups = new ArrayList<>();
            for (Map.Entry<String, Promise<List<InstanceApplied>>> e : running.entrySet()) {
                try {
                    done.put(e.getKey(), e.getValue().get());
                } catch (ActivityFailure f) {
                    failedGroups.add(e.getKey());
                    reasons.add(JobLock.reason(f));
                }
            }
            if (failedGroups.isEmpty()) {
                return;
            }
            park("stopped at " + String.join("; ", reasons) + ". Fix it and resume (group" + (failedGroups.size() > 1
                    ? "s " : " ") + failedGroups + " will be tried again), or cancel");
            todo = failedGroups;
        }
    }

    /** Runs {@code step}; a failure stops the job until a resume, then it is tried again. */
    private void retryUntilResumed(Runnable step) {
        while (true) {
            try {
                step.run();
                return;
            } catch (ActivityFailure f) {
                park("stopped: " + JobLock.reason(f) + ". Fix it and resume (the step is tried again), or cancel");
            }
        }
    }

    /** Parks the job PAUSED with {@code why} until a resume (or a cancel, which throws). */
    private void park(String why) {
        pauseRequested = true;
        state = JobState.PAUSED;
        detail = why;
        log.info("job-[{}] paused: {}", request.jobId(), why);
        registry.markJob(request.cluster(), request.jobId(), JobState.PAUSED, why);
        Workflow.await(() -> !pauseRequested);
        registry.markJob(request.cluster(), request.jobId(), JobState.RUNNING, "resumed at " + step);
        state = JobState.RUNNING;
        log.info("job-[{}] resumed at {}", request.jobId(), step);
    }

    private void parkIfPaused(String next) {
        if (pauseRequested) {
            step = next;
            park("paused before " + next);
        }
    }

    private void enter(String next, String what) {
        step = next;
        detail = what;
        log.info("job-[{}] step {}: {}", request.jobId(), next, what);
    }

    @Override
    public JobProgress progress() {
        return new JobProgress(step, STEPS.indexOf(step) + 1, STEPS.size(), detail, pauseRequested, state);
    }

    @Override
    public void pause() {
        pauseRequested = true;
    }

    @Override
    public void resume() {
        pauseRequested = false;
    }

    @Override
    public JobProgress pauseJob() {
        pauseRequested = true;
        return progress();
    }

    @Override
    public void validatePauseJob() {
        Rules.pause(state, committed, step);
    }

    @Override
    public JobProgress resumeJob() {
        pauseRequested = false;
        return progress();
    }

    @Override
    public void validateResumeJob() {
        Rules.resume(state, pauseRequested);
    }

    private ApplicationFailure invalid(ConfigRolloutRequest req, String problem) {
        String message = "config-rollout request refused: " + problem;
        state = JobState.FAILED;
        detail = message;
        if (req != null && req.jobId() != null && req.cluster() != null && !req.cluster().isBlank()) {
            try {
                registry.finishJob(req.cluster(), req.jobId(), JobState.FAILED, message);
            } catch (ActivityFailure e) {
                log.warn("job-[{}] could not be recorded as failed: {}", req.jobId(), JobLock.reason(e));
            }
        }
        return ApplicationFailure.newNonRetryableFailure(message, JobLock.FAILURE_REFUSED);
    }

    private ApplicationFailure failed(TemporalFailure cause) {
        String message = "config-rollout of cluster-[" + request.cluster() + "] failed at step " + step + ": "
                + JobLock.reason(cause);
        state = JobState.FAILED;
        detail = message;
        Workflow.newDetachedCancellationScope(() -> {
            try {
                registry.finishJob(request.cluster(), request.jobId(), JobState.FAILED, message);
            } catch (ActivityFailure e) {
                log.warn("job-[{}] could not be recorded as failed: {}", request.jobId(), JobLock.reason(e));
            }
        }).run();
        return ApplicationFailure.newNonRetryableFailureWithCause(message, "ConfigRolloutFailed", cause);
    }

    private CanceledFailure cancelled() {
        state = JobState.CANCELLED;
        detail = "cancelled at step " + step + "; groups done: " + (done.isEmpty() ? "none" : done.keySet())
                + " (what was set stays set: roll back with POST .../config/rollback and a new rollout)";
        Workflow.newDetachedCancellationScope(() -> {
            try {
                registry.finishJob(request.cluster(), request.jobId(), JobState.CANCELLED, detail);
            } catch (ActivityFailure e) {
                log.warn("job-[{}] could not be recorded as cancelled: {}", request.jobId(), JobLock.reason(e));
            }
        }).run();
        return new CanceledFailure("config-rollout job-[" + request.jobId() + "] " + detail);
    }
}
