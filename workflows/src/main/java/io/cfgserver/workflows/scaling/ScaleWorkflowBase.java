package io.cfgserver.workflows.scaling;

import io.cfgserver.activities.planning.NewGroup;
import io.cfgserver.activities.planning.PlanResult;
import io.cfgserver.activities.planning.ScaleActivities;
import io.cfgserver.activities.planning.ScaleRequest;
import io.cfgserver.activities.planning.SlotPlanner;
import io.cfgserver.activities.registry.RegistryActivities;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.workflows.ActivityProfiles;
import io.cfgserver.workflows.JobLock;
import io.cfgserver.workflows.JobControl.Rules;
import io.cfgserver.workflows.JobProgress;
import io.cfgserver.workflows.Jobs;
import io.cfgserver.workflows.migration.MigrateSlotsRequest;
import io.cfgserver.workflows.migration.MigrateSlotsResult;
import io.cfgserver.workflows.migration.MigrateSlotsWorkflow;
import io.cfgserver.workflows.migration.SplitSlotsWorkflow;
import io.cfgserver.workflows.replica.AddReplicaRequest;
import io.cfgserver.workflows.replica.AddReplicaWorkflow;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowCancellationType;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;

/**
 * The body the three scale jobs share: enter the job (the cluster's lock), the steps before the moves
 * (scale-out: check and register the new groups, rebuild their replicas), plan, run the moves as
 * migrate-slots children (at most {@code parallel} at once, never two from one source group, none
 * started after the window ends or while paused), the step after (scale-in: remove the drained groups),
 * finish. Every move is a job of its own in the catalog (its parent named in its params), so a crash
 * anywhere resumes from the history: a move that committed stays committed, one that did not rolls back
 * or goes on by its own rules (docs/migration.md). Deterministic: state in fields, effects in activities
 * and children.
 */
public abstract class ScaleWorkflowBase implements ScaleJob {
    private static final Logger log = Workflow.getLogger(ScaleWorkflowBase.class);
    private static final List<String> STEPS = List.of("enter", "prepare", "replicas", "plan", "moves", "remove", "finish");

    private final RegistryActivities registry = Workflow.newActivityStub(RegistryActivities.class, ActivityProfiles.registry());
    private final ScaleActivities scale = Workflow.newActivityStub(ScaleActivities.class, ActivityProfiles.registry());
    private final ScaleActivities redis = Workflow.newActivityStub(ScaleActivities.class, ActivityProfiles.redisCommand());

    private ScaleRequest request;
    private String step = "enter";
    private String detail = "starting";
    private JobState state = JobState.RUNNING;
    private boolean pauseRequested;
    private PlanResult plan;
    private final List<ScaleResult.MoveDone> done = new ArrayList<>();
    private final Map<String, SlotPlanner.Move> running = new TreeMap<>();
    /** The moves running, by child job id: a cancel or failure waits for them before it releases the lock. */
    private final Map<String, Promise<MigrateSlotsResult>> inFlight = new LinkedHashMap<>();
    private long startedAt;

    /** The job type this workflow runs: {@code scale-out}, {@code scale-in} or {@code rebalance}. */
    protected abstract String kind();

    public ScaleResult run(ScaleRequest requested) {
        startedAt = Workflow.currentTimeMillis();
        if (requested == null || requested.cluster() == null || requested.cluster().isBlank()
                || (requested.kind() != null && !requested.kind().equals(kind()))) {
            throw ApplicationFailure.newNonRetryableFailure(kind() + " request refused: give at least {\"cluster\":\"demo\"}"
                    + (requested != null && requested.kind() != null ? " (kind, when given, must be " + kind() + ")" : ""),
                    FAILURE_TYPE);
        }
        ScaleRequest req = requested.normalized(kind()).withJobId(JobLock.jobId(requested.jobId()));
        request = req;
        try {
            JobLock.enter(registry, req.cluster(), req.jobId(), req.kind(), catalogParams(req), null);
        } catch (ApplicationFailure refused) {
            if (req.scheduled()) { // a scheduled run finds the cluster busy: skip it, try at the next
                detail = "skipped: " + refused.getOriginalMessage();
                state = JobState.CANCELLED;
                log.info("job-[{}] {}", req.jobId(), detail);
                return new ScaleResult(req.jobId(), req.cluster(), req.kind(), null, List.of(), 0, List.of(), true, detail,
                        0);
            }
            throw refused;
        }
        try {
            enter("prepare", "checking the request against the registry");
            scale.check(req);
            if (req.kind().equals(ScaleRequest.SCALE_OUT)) {
                addGroups();
            }
            enter("plan", "planning against the registry (every master sampled)");
            plan = scale.plan(req);
            if (plan.within()) {
                return finish(List.of(), 0, plan.summary());
            }
            int left = runMoves(plan.moves());
            List<String> drained = List.of();
            if (req.kind().equals(ScaleRequest.SCALE_IN) && left == 0) {
                drained = removeDrained();
            }
            String message = done.size() + " of " + plan.moves().size() + " moves done"
                    + (left > 0 ? ", " + left + " left for the next run (the window ended)" : "")
                    + (plan.truncated() > 0 ? ", " + plan.truncated() + " more past maxMoves" : "")
                    + (drained.isEmpty() ? "" : "; removed " + req.drain() + ", their instances left running and empty: "
                            + drained)
                    + (plan.jumbo().isEmpty() ? "" : "; jumbo slots reported, not moved: " + plan.jumbo());
            return finish(drained, left, message);
        } catch (TemporalFailure f) {
            boolean cancelled = f instanceof CanceledFailure || CancellationScope.current().isCancelRequested();
            throw end(cancelled ? JobState.CANCELLED : JobState.FAILED, cancelled ? "cancelled by the operator"
                    : JobLock.reason(f), f);
        }
    }

    private void addGroups() {
        enter("prepare", "checking that the new masters are empty, registering " + request.add().size() + " groups");
        for (NewGroup g : request.add()) {
            redis.checkEmptyMaster(g.master());
        }
        for (NewGroup g : request.add()) {
            scale.registerGroup(request.cluster(), g);
        }
        List<Promise<io.cfgserver.workflows.replica.AddReplicaResult>> replicas = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (NewGroup g : request.add()) {
            for (String replica : g.replicas()) {
                String id = request.jobId() + "-r" + replicas.size();
                AddReplicaWorkflow child = Workflow.newChildWorkflowStub(AddReplicaWorkflow.class,
                        childOptions(id, Jobs.ADD_REPLICA));
                replicas.add(Async.function(child::run, new AddReplicaRequest(id, request.cluster(), g.id(), replica,
                        AddReplicaRequest.DEFAULT_MAX_LAG_BYTES, null, null, request.jobId())));
                names.add(replica + " of group-[" + g.id() + "]");
            }
        }
        if (!replicas.isEmpty()) {
            enter("replicas", "rebuilding " + names.size() + " replicas (add-replica jobs): " + names);
            Promise.allOf(replicas).get();
            for (Promise<io.cfgserver.workflows.replica.AddReplicaResult> p : replicas) {
                p.get(); // a failed rebuild fails the job: the groups stay registered, owning no slots
            }
        }
    }

    /** Runs the moves; returns how many were not started because the window ended. */
    private int runMoves(List<SlotPlanner.Move> moves) {
        long deadline = request.windowMillis() > 0 ? startedAt + request.windowMillis() : Long.MAX_VALUE;
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < moves.size(); i++) {
            pending.add(i);
        }
        TemporalFailure failure = null;
        enter("moves", progressText(moves));
        while (true) {
            boolean windowOpen = Workflow.currentTimeMillis() < deadline;
            if (failure == null && windowOpen && !pauseRequested) {
                for (int k = 0; k < pending.size() && inFlight.size() < request.parallel();) {
                    int i = pending.get(k);
                    SlotPlanner.Move m = moves.get(i);
                    if (running.values().stream().anyMatch(r -> r.source().equals(m.source()))) {
                        k++;
                        continue;
                    }
                    pending.remove(k);
                    String id = request.jobId() + "-m" + i;
                    MigrateSlotsRequest mr = new MigrateSlotsRequest(id, request.cluster(), m.from(), m.to(), m.target(),
                            request.keysPerBatch(), request.maxPauseMillis(), request.maxKeysPerSecond(),
                            MigrateSlotsRequest.DEFAULT_BIG_KEY_BYTES, request.jobId());
                    if (splits(moves, m)) {
                        SplitSlotsWorkflow child = Workflow.newChildWorkflowStub(SplitSlotsWorkflow.class,
                                childOptions(id, Jobs.SPLIT_SLOTS));
                        inFlight.put(id, Async.function(child::run, mr));
                    } else {
                        MigrateSlotsWorkflow child = Workflow.newChildWorkflowStub(MigrateSlotsWorkflow.class,
                                childOptions(id, Jobs.MIGRATE_SLOTS));
                        inFlight.put(id, Async.function(child::run, mr));
                    }
                    running.put(id, m);
                    detail = progressText(moves);
                }
            }
            if (inFlight.isEmpty()) {
                if (failure != null) {
                    throw failure;
                }
                if (pending.isEmpty() || !windowOpen) {
                    return pending.size();
                }
                if (pauseRequested) {
                    parkWhilePaused();
                    continue;
                }
            }
            boolean pausedBefore = pauseRequested;
            java.util.function.Supplier<Boolean> woken = () -> inFlight.values().stream().anyMatch(Promise::isCompleted)
                    || pauseRequested != pausedBefore;
            if (windowOpen && deadline != Long.MAX_VALUE) {
                // wake at the window's end too: from then on no move starts
                Workflow.await(Duration.ofMillis(Math.max(1, deadline - Workflow.currentTimeMillis())), woken);
            } else {
                Workflow.await(woken);
            }
            for (String id : new ArrayList<>(inFlight.keySet())) {
                Promise<MigrateSlotsResult> p = inFlight.get(id);
                if (!p.isCompleted()) {
                    continue;
                }
                inFlight.remove(id);
                SlotPlanner.Move m = running.remove(id);
                try {
                    MigrateSlotsResult r = p.get();
                    done.add(new ScaleResult.MoveDone(id, m.from(), m.to(), m.source(), m.target(), r.keysCopied(),
                            r.heldMillis()));
                } catch (TemporalFailure f) {
                    log.warn("job-[{}] move {} failed: {}", request.jobId(), id, JobLock.reason(f));
                    if (failure == null) {
                        failure = f; // start nothing more; wait for the moves running, then fail
                    }
                }
                detail = progressText(moves);
            }
        }
    }

    /**
     * A move goes by replication (the split fast path) when its target is a group this scale-out adds,
     * allowed to split, and it is the only move into that group: then the group takes all its slots from
     * this one source, and can start as a full copy of it.
     */
    private boolean splits(List<SlotPlanner.Move> moves, SlotPlanner.Move m) {
        boolean newGroup = request.add().stream().anyMatch(g -> g.id().equals(m.target()) && g.splits());
        return newGroup && moves.stream().filter(x -> x.target().equals(m.target())).count() == 1;
    }

    private void parkWhilePaused() {
        state = JobState.PAUSED;
        detail = "paused: " + done.size() + " of " + plan.moves().size() + " moves done, none running";
        registry.markJob(request.cluster(), request.jobId(), JobState.PAUSED, detail);
        Workflow.await(() -> !pauseRequested);
        registry.markJob(request.cluster(), request.jobId(), JobState.RUNNING, "resumed");
        state = JobState.RUNNING;
    }

    private List<String> removeDrained() {
        enter("remove", "removing the drained groups " + request.drain());
        List<String> instances = new ArrayList<>();
        for (String g : request.drain()) {
            instances.addAll(scale.removeGroup(request.cluster(), g));
        }
        return instances;
    }

    private ScaleResult finish(List<String> drained, int left, String message) {
        enter("finish", message);
        registry.finishJob(request.cluster(), request.jobId(), JobState.SUCCEEDED, message);
        state = JobState.SUCCEEDED;
        return new ScaleResult(request.jobId(), request.cluster(), request.kind(), plan.id(), List.copyOf(done), left,
                drained, false, message, Workflow.currentTimeMillis() - startedAt);
    }

    /** Records the job as ended otherwise (after every move running has ended: children are cancelled with it). */
    private TemporalFailure end(JobState end, String why, TemporalFailure cause) {
        state = end;
        detail = (end == JobState.CANCELLED ? "cancelled" : "failed") + " at step " + step + ": " + why + "; "
                + done.size() + " moves done " + doneRanges() + " (committed moves stay)";
        Workflow.newDetachedCancellationScope(() -> {
            for (Promise<MigrateSlotsResult> p : inFlight.values()) {
                try {
                    p.get(); // the move rolls back (or, past its commit, finishes) by its own rules
                } catch (TemporalFailure ignored) {
                    // its own catalog entry says how it ended
                }
            }
            try {
                registry.finishJob(request.cluster(), request.jobId(), end, detail);
            } catch (TemporalFailure e) {
                log.warn("job-[{}] could not be recorded as {}: {}", request.jobId(), end, JobLock.reason(e));
            }
        }).run();
        log.info("job-[{}] {}", request.jobId(), detail);
        return end == JobState.CANCELLED ? new CanceledFailure(request.kind() + " job-[" + request.jobId() + "] " + detail)
                : ApplicationFailure.newNonRetryableFailureWithCause(request.kind() + " job-[" + request.jobId() + "] "
                        + detail, FAILURE_TYPE, cause);
    }

    private ChildWorkflowOptions childOptions(String id, String type) {
        return ChildWorkflowOptions.newBuilder()
                .setWorkflowId(id)
                // a parent that is terminated (or times out) asks its moves to cancel: they roll back or finish cleanly
                .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
                .setCancellationType(ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED)
                .setTypedSearchAttributes(io.temporal.common.SearchAttributes.newBuilder()
                        .set(Jobs.CLUSTER, request.cluster()).set(Jobs.JOB_TYPE, type).build())
                .build();
    }

    private String progressText(List<SlotPlanner.Move> moves) {
        StringBuilder b = new StringBuilder();
        b.append(done.size()).append(" of ").append(moves.size()).append(" moves done");
        for (Map.Entry<String, SlotPlanner.Move> e : running.entrySet()) {
            SlotPlanner.Move m = e.getValue();
            b.append("; running ").append(e.getKey()).append(": slots ").append(m.from()).append("..").append(m.to())
                    .append(" group-[").append(m.source()).append("] -> group-[").append(m.target()).append("]");
        }
        if (pauseRequested) {
            b.append("; pause requested: no new move starts");
        }
        return b.toString();
    }

    private String doneRanges() {
        return done.stream().map(d -> d.from() + ".." + d.to() + "->" + d.target()).toList().toString();
    }

    private static Map<String, String> catalogParams(ScaleRequest r) {
        Map<String, String> p = new TreeMap<>();
        if (!r.add().isEmpty()) {
            p.put("groups", r.add().stream().map(NewGroup::id).toList().toString());
        }
        if (!r.drain().isEmpty()) {
            p.put("groups", r.drain().toString());
        }
        if (r.planId() != null) {
            p.put("plan", r.planId());
        }
        if (r.scheduled()) {
            p.put("scheduled", "true");
        }
        return p;
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
        detail = running.isEmpty() ? detail : detail + "; pause requested: no new move starts, the running ones finish";
        return progress();
    }

    @Override
    public void validatePauseJob() {
        // every move done: the job is finishing, like a move past its commit point
        Rules.pause(state, step.equals("remove") || step.equals("finish"), step);
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

    private void enter(String next, String what) {
        step = next;
        detail = what;
        Workflow.setCurrentDetails("**" + next + "**: " + what);
        log.info("job-[{}] step {}: {}", request.jobId(), next, what);
    }
}
