package io.cfgserver.service.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cfgserver.activities.planning.ScaleRequest;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.service.temporal.TemporalConnector;
import io.cfgserver.workflows.Jobs;
import io.cfgserver.workflows.scaling.RebalanceWorkflow;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleException;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleListDescription;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Scheduled rebalancing as Temporal Schedules ({@code /v1/clusters/{name}/schedules}), visible under
 * Schedules in the Temporal UI. The action starts a {@link RebalanceWorkflow} marked {@code scheduled}:
 * it plans, does nothing within tolerance, starts no move after its window, and when another job
 * holds the cluster it skips the run (the overlap policy skips a run while the previous one is still
 * going). Each schedule keeps its cluster and body in its memo.
 */
public final class ScheduleService {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OWN = Set.of("cron", "every");

    private final RegistryClient registry;
    private final TemporalConnector temporal;
    private final String taskQueue;
    private final ScaleKind rebalance;

    ScheduleService(RegistryClient registry, TemporalConnector temporal, String taskQueue, ScaleKind rebalance) {
        this.registry = registry;
        this.temporal = temporal;
        this.taskQueue = taskQueue;
        this.rebalance = rebalance;
    }

    /** A schedule as the API shows it. */
    public record ScheduleView(String id, String cluster, String cron, String every, boolean paused,
            Map<String, JsonNode> params, List<String> nextRuns, List<Run> recentRuns, long runs, long skippedOverlap) {
    }

    public record Run(String workflowId, String scheduledAt, String startedAt) {
    }

    public ScheduleView create(String clusterName, Map<String, JsonNode> body) {
        Map<String, JsonNode> all = body == null ? Map.of() : body;
        String example = "{\"cron\":\"0 3 * * *\",\"window\":\"2h\",\"tolerance\":0.05,\"maxMoves\":8}";
        JsonNode cron = all.get("cron");
        JsonNode every = all.get("every");
        if ((cron == null) == (every == null)) {
            throw new JobException(422, "invalid", "give exactly one of cron (e.g. \"0 3 * * *\") and every (e.g. \"6h\"): "
                    + example);
        }
        if (cron != null && (!cron.isTextual() || cron.asText().isBlank())) {
            throw new JobException(422, "invalid", "cron must be a cron expression such as \"0 3 * * *\", got " + cron);
        }
        Duration interval = every == null ? null : Duration.ofMillis(ScaleKind.duration(every.asText(), "every"));
        if (interval != null && interval.toSeconds() < 1) {
            throw new JobException(422, "invalid", "every must be at least 1s");
        }
        Map<String, JsonNode> params = new LinkedHashMap<>(all);
        OWN.forEach(params::remove);
        JobParams p = new JobParams(params);
        for (String k : p.keys()) {
            if (!rebalance.params().contains(k) || k.equals("plan")) {
                throw new JobException(422, "invalid", "unknown field '" + k + "' for a schedule; known: cron, every, "
                        + new java.util.TreeSet<>(rebalance.params()).stream().filter(x -> !x.equals("plan")).toList());
            }
        }
        RegistryState state = registry.read();
        Cluster cluster = state.cluster(clusterName).orElseThrow(() -> new JobException(404, "not-found",
                "cluster-[" + clusterName + "] does not exist: GET /v1/clusters lists them"));
        String id = "rebalance-" + cluster.name() + "-s" + UUID.randomUUID().toString().substring(0, 6);
        ScaleRequest request = rebalance.request(state, cluster, p, null, true); // checked now: a bad schedule is refused at once
        ScheduleSpec.Builder spec = ScheduleSpec.newBuilder();
        if (cron != null) {
            spec.setCronExpressions(List.of(cron.asText().trim()));
        } else {
            spec.setIntervals(List.of(new ScheduleIntervalSpec(interval)));
        }
        Schedule schedule = Schedule.newBuilder()
                .setAction(ScheduleActionStartWorkflow.newBuilder()
                        .setWorkflowType(RebalanceWorkflow.class)
                        .setArguments(request)
                        .setOptions(WorkflowOptions.newBuilder()
                                .setWorkflowId(id)
                                .setTaskQueue(taskQueue)
                                .setWorkflowExecutionTimeout(Jobs.EXECUTION_TIMEOUT)
                                .setTypedSearchAttributes(SearchAttributes.newBuilder()
                                        .set(Jobs.CLUSTER, cluster.name()).set(Jobs.JOB_TYPE, Jobs.REBALANCE).build())
                                .build())
                        .build())
                .setSpec(spec.build())
                .setPolicy(SchedulePolicy.newBuilder().setOverlap(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP).build())
                .build();
        Map<String, Object> memo = new LinkedHashMap<>();
        memo.put("cluster", cluster.name());
        memo.put("body", JSON.valueToTree(all).toString());
        try {
            schedules().createSchedule(id, schedule, ScheduleOptions.newBuilder().setMemo(memo).build());
        } catch (ScheduleException | io.grpc.StatusRuntimeException e) {
            throw new JobException(422, "invalid", "Temporal refused the schedule: " + rootMessage(e)
                    + " (a cron expression has 5 fields: minute hour day-of-month month day-of-week)");
        }
        return show(clusterName, id);
    }

    public List<ScheduleView> list(String clusterName) {
        RegistryState state = registry.read();
        if (state.cluster(clusterName).isEmpty()) {
            throw new JobException(404, "not-found", "cluster-[" + clusterName + "] does not exist");
        }
        List<ScheduleView> out = new ArrayList<>();
        try (var all = schedules().listSchedules()) {
            for (ScheduleListDescription d : (Iterable<ScheduleListDescription>) all::iterator) {
                Object owner = d.getMemo("cluster", String.class);
                if (clusterName.equals(owner)) {
                    out.add(show(clusterName, d.getScheduleId()));
                }
            }
        }
        return out;
    }

    public ScheduleView show(String clusterName, String id) {
        ScheduleDescription d = describe(clusterName, id);
        Schedule s = d.getSchedule();
        ScheduleSpec spec = s.getSpec();
        Map<String, JsonNode> params = new LinkedHashMap<>();
        try {
            String body = (String) d.getMemo("body", String.class);
            JSON.readTree(body).fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue()));
        } catch (Exception e) {
            // a schedule made elsewhere: no body
        }
        // Temporal keeps a cron expression as calendars: the expression as given is the body's
        String cron = params.containsKey("cron") ? params.get("cron").asText()
                : spec.getCronExpressions() == null || spec.getCronExpressions().isEmpty() ? null
                : String.join(" | ", spec.getCronExpressions());
        String every = params.containsKey("every") ? params.get("every").asText()
                : spec.getIntervals() == null || spec.getIntervals().isEmpty() ? null
                : spec.getIntervals().get(0).getEvery().toString();
        List<Run> runs = d.getInfo().getRecentActions().stream().map(a -> new Run(
                a.getAction() instanceof ScheduleActionExecutionStartWorkflow w ? w.getWorkflowId() : null,
                String.valueOf(a.getScheduledAt()), String.valueOf(a.getStartedAt()))).toList();
        return new ScheduleView(id, clusterName, cron, every, s.getState() != null && s.getState().isPaused(), params,
                d.getInfo().getNextActionTimes().stream().map(String::valueOf).toList(), runs, d.getInfo().getNumActions(),
                d.getInfo().getNumActionsSkippedOverlap());
    }

    public void delete(String clusterName, String id) {
        describe(clusterName, id);
        schedules().getHandle(id).delete();
    }

    public ScheduleView pause(String clusterName, String id, boolean paused) {
        describe(clusterName, id);
        ScheduleHandle h = schedules().getHandle(id);
        if (paused) {
            h.pause("paused through the cfgserver API");
        } else {
            h.unpause("unpaused through the cfgserver API");
        }
        return show(clusterName, id);
    }

    /** Runs the schedule's action now (a run while another holds the cluster is skipped like any other). */
    public ScheduleView trigger(String clusterName, String id) {
        describe(clusterName, id);
        schedules().getHandle(id).trigger();
        return show(clusterName, id);
    }

    private ScheduleDescription describe(String clusterName, String id) {
        ScheduleDescription d;
        try {
            d = schedules().getHandle(id).describe();
        } catch (ScheduleException | io.grpc.StatusRuntimeException e) {
            throw new JobException(404, "not-found", "schedule-[" + id + "] does not exist: GET /v1/clusters/" + clusterName
                    + "/schedules lists them");
        }
        Object owner = d.getMemo("cluster", String.class);
        if (!clusterName.equals(owner)) {
            throw new JobException(404, "not-found", "schedule-[" + id + "] is not a schedule of cluster-[" + clusterName + "]");
        }
        return d;
    }

    private ScheduleClient schedules() {
        WorkflowClient client = temporal.client().orElseThrow(() -> new JobException(503, "temporal-unavailable",
                "Temporal at " + temporal.target() + " is not reachable (" + temporal.lastError() + "): retry later"));
        return ScheduleClient.newInstance(client.getWorkflowServiceStubs(),
                io.temporal.client.schedules.ScheduleClientOptions.newBuilder()
                        .setNamespace(client.getOptions().getNamespace()).build());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
