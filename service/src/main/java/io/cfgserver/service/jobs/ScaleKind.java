package io.cfgserver.service.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.activities.planning.ClusterPlanner;
import io.cfgserver.activities.planning.NewGroup;
import io.cfgserver.activities.planning.PlanResult;
import io.cfgserver.activities.planning.ScaleRequest;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.workflows.migration.MigrateSlotsRequest;
import io.cfgserver.workflows.scaling.RebalanceWorkflow;
import io.cfgserver.workflows.scaling.ScaleInWorkflow;
import io.cfgserver.workflows.scaling.ScaleOutWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code scale-out}, {@code scale-in} and {@code rebalance}: the params become a {@link ScaleRequest}
 * (checked against the registry here, and again by the workflow's plan). With {@code params.plan} the
 * job runs that plan: it is planned again now and refused (409) when the cluster changed since.
 */
final class ScaleKind implements JobKind {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Set<String> COMMON = Set.of("weights", "parallel", "plan", "keysPerBatch", "maxPauseMillis",
            "maxKeysPerSecond");
    private final String type;
    private final ClusterPlanner planner;

    ScaleKind(String type, ClusterPlanner planner) {
        this.type = type;
        this.planner = planner;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public boolean changesTopology() {
        return true;
    }

    @Override
    public Set<String> params() {
        Set<String> p = new java.util.TreeSet<>(COMMON);
        switch (type) {
            case ScaleRequest.SCALE_OUT, ScaleRequest.SCALE_IN -> p.add("groups");
            default -> p.addAll(Set.of("tolerance", "by", "maxMoves", "window"));
        }
        return p;
    }

    /** The request the params describe, checked against the registry; throws {@link JobException} (422/404/409). */
    ScaleRequest request(RegistryState state, Cluster cluster, JobParams p, String jobId, boolean scheduled) {
        List<NewGroup> add = List.of();
        List<String> drain = List.of();
        if (type.equals(ScaleRequest.SCALE_OUT)) {
            add = newGroups(p);
        } else if (type.equals(ScaleRequest.SCALE_IN)) {
            drain = groupIds(p);
        }
        double tolerance = decimal(p, "tolerance", type.equals(ScaleRequest.REBALANCE) ? ScaleRequest.DEFAULT_REBALANCE_TOLERANCE
                : 0);
        ScaleRequest req = new ScaleRequest(jobId, cluster.name(), type, add, drain, weights(p), tolerance,
                p.text("by").orElse("slots"), (int) p.number("maxMoves", 0),
                (int) p.number("parallel", ScaleRequest.DEFAULT_PARALLEL), window(p), null, null, scheduled,
                (int) p.number("keysPerBatch", MigrateSlotsRequest.DEFAULT_KEYS_PER_BATCH),
                p.number("maxPauseMillis", MigrateSlotsRequest.DEFAULT_MAX_PAUSE_MILLIS), p.number("maxKeysPerSecond", 0));
        String problem = req.problem(cluster, true, state.addressesInUse());
        if (problem != null) {
            throw new JobException(problem.contains("already registered") || problem.contains("exists already") ? 409 : 422,
                    problem.contains("already registered") || problem.contains("exists already") ? "conflict" : "invalid",
                    "params: " + problem);
        }
        return req;
    }

    /** A dry run: the plan this job would run now. */
    PlanResult plan(RegistryState state, Cluster cluster, JobParams p) {
        ScaleRequest req = request(state, cluster, p, "plan", false);
        try {
            return planner.plan(state, req, true);
        } catch (ClusterPlanner.Refused e) {
            throw new JobException(422, "invalid", "params: " + e.getMessage());
        } catch (redis.clients.jedis.exceptions.JedisException e) {
            throw new JobException(503, "unreachable", "could not sample the keys of " + cluster.logId() + ": "
                    + e.getMessage() + "; a plan samples every master that owns slots");
        }
    }

    @Override
    public Prepared prepare(RegistryState state, Cluster cluster, JobParams p, String jobId) {
        ScaleRequest req = request(state, cluster, p, jobId, false);
        if (!cluster.migrations().isEmpty()) {
            throw new JobException(409, "conflict", cluster.logId() + " has slot moves in progress " + cluster.migrations()
                    .stream().map(m -> m.logId()).toList() + ": wait for them to end");
        }
        if (p.has("plan")) {
            String planId = p.requiredText("plan", "{\"plan\":\"plan-12-ab12cd34ef\"}");
            PlanResult now = plan(state, cluster, p);
            if (!now.id().equals(planId)) {
                throw new JobException(409, "conflict", "the cluster changed since " + planId + " was made (planning again"
                        + " gives " + now.id() + " at version " + now.version() + "): make a new plan with POST /v1/clusters/"
                        + cluster.name() + "/plans and start that");
            }
            req = req.withPlan(planId, now.moves());
        }
        ScaleRequest request = req;
        return new Prepared() {
            @Override
            public String jobId() {
                return jobId;
            }

            @Override
            public void start(WorkflowClient client, WorkflowOptions options) {
                switch (type) {
                    case ScaleRequest.SCALE_OUT -> WorkflowClient.start(
                            client.newWorkflowStub(ScaleOutWorkflow.class, options)::run, request);
                    case ScaleRequest.SCALE_IN -> WorkflowClient.start(
                            client.newWorkflowStub(ScaleInWorkflow.class, options)::run, request);
                    default -> WorkflowClient.start(client.newWorkflowStub(RebalanceWorkflow.class, options)::run, request);
                }
            }
        };
    }

    private static List<NewGroup> newGroups(JobParams p) {
        String example = "{\"groups\":[{\"id\":\"g3\",\"master\":\"127.0.0.1:7021\",\"replicas\":[\"127.0.0.1:7022\"],"
                + "\"weight\":1}]}";
        JsonNode groups = p.node("groups").orElseThrow(() -> new JobException(422, "invalid", "params.groups is missing: "
                + example));
        if (!groups.isArray() || groups.isEmpty()) {
            throw new JobException(422, "invalid", "params.groups must be a non-empty array: " + example);
        }
        List<NewGroup> out = new ArrayList<>();
        for (JsonNode g : groups) {
            if (!g.isObject() || !g.path("id").isTextual() || !g.path("master").isTextual()) {
                throw new JobException(422, "invalid", "params.groups[" + out.size() + "] needs a string id and master: "
                        + example);
            }
            for (Iterator<String> it = g.fieldNames(); it.hasNext();) {
                String f = it.next();
                if (!Set.of("id", "master", "replicas", "weight", "split").contains(f)) {
                    throw new JobException(422, "invalid", "params.groups[" + out.size() + "]." + f
                            + " is unknown; known: id, master, replicas, weight, split");
                }
            }
            List<String> replicas = new ArrayList<>();
            JsonNode r = g.path("replicas");
            if (!r.isMissingNode() && !r.isNull()) {
                if (!r.isArray()) {
                    throw new JobException(422, "invalid", "params.groups[" + out.size() + "].replicas must be an array of"
                            + " host:port");
                }
                for (JsonNode a : r) {
                    if (!a.isTextual()) {
                        throw new JobException(422, "invalid", "params.groups[" + out.size() + "].replicas must hold"
                                + " strings (host:port), got " + a);
                    }
                    replicas.add(a.asText());
                }
            }
            JsonNode w = g.path("weight");
            if (!w.isMissingNode() && !w.isNull() && !w.isNumber()) {
                throw new JobException(422, "invalid", "params.groups[" + out.size() + "].weight must be a number, got " + w);
            }
            JsonNode split = g.path("split");
            if (!split.isMissingNode() && !split.isNull() && !split.isBoolean()) {
                throw new JobException(422, "invalid", "params.groups[" + out.size() + "].split must be true or false, got "
                        + split);
            }
            out.add(new NewGroup(g.get("id").asText(), g.get("master").asText(), replicas, w.isNumber() ? w.asDouble() : 1,
                    split.isBoolean() ? split.asBoolean() : null));
        }
        return out;
    }

    private static List<String> groupIds(JobParams p) {
        JsonNode groups = p.node("groups").orElseThrow(() -> new JobException(422, "invalid",
                "params.groups is missing: the ids of the groups to drain, e.g. {\"groups\":[\"g3\"]}"));
        if (!groups.isArray() || groups.isEmpty()) {
            throw new JobException(422, "invalid", "params.groups must be a non-empty array of group ids, e.g. [\"g3\"]");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode g : groups) {
            if (!g.isTextual()) {
                throw new JobException(422, "invalid", "params.groups must hold group ids (strings), got " + g);
            }
            out.add(g.asText());
        }
        return out;
    }

    private static Map<String, Double> weights(JobParams p) {
        Map<String, Double> w = new TreeMap<>();
        JsonNode node = p.node("weights").orElse(null);
        if (node == null) {
            return w;
        }
        if (!node.isObject()) {
            throw new JobException(422, "invalid", "params.weights must be an object of group id to number, e.g. {\"g1\":2}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                throw new JobException(422, "invalid", "params.weights." + e.getKey() + " must be a number, got " + e.getValue());
            }
            w.put(e.getKey(), e.getValue().asDouble());
        }
        return w;
    }

    static double decimal(JobParams p, String key, double fallback) {
        JsonNode v = p.node(key).orElse(null);
        if (v == null) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new JobException(422, "invalid", "params." + key + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    /** {@code "2h"}, {@code "30m"}, {@code "90s"}, {@code "500ms"} or a number of milliseconds; 0 when absent. */
    static long window(JobParams p) {
        JsonNode v = p.node("window").orElse(null);
        if (v == null) {
            return 0;
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        return duration(v.asText(), "params.window");
    }

    static long duration(String text, String what) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new JobException(422, "invalid", what + " must look like 2h, 30m, 90s or 500ms, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
        };
    }
}
