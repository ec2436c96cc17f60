package io.cfgserver.activities.planning;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.InvalidTopologyException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A {@code scale-out}, {@code scale-in} or {@code rebalance} job: which groups to add or drain, the
 * weights, how to plan, how to run the moves. The three jobs share one workflow body; what differs
 * is the steps before and after the moves.
 *
 * @param jobId        the job id; null for the workflow id
 * @param kind         {@code scale-out}, {@code scale-in} or {@code rebalance}
 * @param add          scale-out: the new groups
 * @param drain        scale-in: the groups to drain and remove
 * @param weights      weights of existing groups (default 1 each)
 * @param tolerance    a group within this share of the total of its quota counts as balanced
 * @param by           {@code slots} (default) or {@code memory} (bytes per slot, sampled)
 * @param maxMoves     at most this many range moves this run (0 = all)
 * @param parallel     moves running at once (never two from one source group)
 * @param windowMillis no move starts after this long (0 = no window); the rest waits for the next run
 * @param planId       the plan the job must run; refused when the cluster changed since it was made
 * @param moves        the moves of {@code planId}, as the plan showed them (null: plan at the start)
 * @param scheduled    started by a Schedule: a busy cluster skips the run instead of failing it
 */
public record ScaleRequest(String jobId, String cluster, String kind, List<NewGroup> add, List<String> drain,
        Map<String, Double> weights, double tolerance, String by, int maxMoves, int parallel, long windowMillis,
        String planId, List<SlotPlanner.Move> moves, boolean scheduled, int keysPerBatch, long maxPauseMillis,
        long maxKeysPerSecond) {
    public static final String SCALE_OUT = "scale-out";
    public static final String SCALE_IN = "scale-in";
    public static final String REBALANCE = "rebalance";
    public static final Set<String> KINDS = Set.of(SCALE_OUT, SCALE_IN, REBALANCE);
    public static final double DEFAULT_REBALANCE_TOLERANCE = 0.02;
    public static final int DEFAULT_PARALLEL = 2;
    private static final Pattern GROUP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public ScaleRequest {
        add = add == null ? List.of() : List.copyOf(add);
        drain = drain == null ? List.of() : List.copyOf(drain);
        weights = weights == null ? Map.of() : Map.copyOf(weights);
        moves = moves == null ? null : List.copyOf(moves);
    }

    public ScaleRequest withJobId(String id) {
        return new ScaleRequest(id, cluster, kind, add, drain, weights, tolerance, by, maxMoves, parallel, windowMillis,
                planId, moves, scheduled, keysPerBatch, maxPauseMillis, maxKeysPerSecond);
    }

    /**
     * This request as a workflow runs it: {@code kind} set, and every number a request started by hand
     * (Temporal UI, {@code temporal workflow start}) may leave out at its default.
     */
    public ScaleRequest normalized(String jobKind) {
        return new ScaleRequest(jobId, cluster, kind == null ? jobKind : kind, add, drain, weights, tolerance,
                by == null ? "slots" : by, maxMoves, parallel == 0 ? DEFAULT_PARALLEL : parallel, windowMillis, planId, moves,
                scheduled, keysPerBatch == 0 ? 5000 : keysPerBatch, maxPauseMillis == 0 ? 200 : maxPauseMillis,
                maxKeysPerSecond);
    }

    public ScaleRequest withPlan(String id, List<SlotPlanner.Move> planned) {
        return new ScaleRequest(jobId, cluster, kind, add, drain, weights, tolerance, by, maxMoves, parallel, windowMillis,
                id, planned, scheduled, keysPerBatch, maxPauseMillis, maxKeysPerSecond);
    }

    public SlotPlanner.By planBy() {
        return "memory".equals(by) ? SlotPlanner.By.MEMORY : SlotPlanner.By.SLOTS;
    }

    /** The weight of every group once the job's groups are added or drained. */
    public Map<String, Double> weightsFor(Cluster cluster) {
        Map<String, Double> w = new TreeMap<>();
        for (Group g : cluster.groups()) {
            w.put(g.id(), drain.contains(g.id()) ? 0.0 : weights.getOrDefault(g.id(), 1.0));
        }
        for (NewGroup n : add) {
            w.put(n.id(), n.weight());
        }
        return w;
    }

    /**
     * What is wrong with the request against {@code cluster}, null when nothing is. {@code fresh}: the
     * job has not started, so a group to add must not exist yet (a running scale-out finds its groups
     * registered by itself) and no address may be in use in any cluster ({@code inUse}).
     */
    public String problem(Cluster cluster, boolean fresh, Set<Address> inUse) {
        if (cluster == null) {
            return "the cluster does not exist";
        }
        if (kind == null || !KINDS.contains(kind)) {
            return "kind must be one of " + KINDS + ", got " + kind;
        }
        if (tolerance < 0 || tolerance > 0.5) {
            return "tolerance must be between 0 and 0.5 (a share of the total), got " + tolerance;
        }
        if (by != null && !by.equals("slots") && !by.equals("memory")) {
            return "by must be \"slots\" or \"memory\", got \"" + by + "\"";
        }
        if (maxMoves < 0) {
            return "maxMoves must be 0 (no limit) or more, got " + maxMoves;
        }
        if (parallel < 1 || parallel > 16) {
            return "parallel must be between 1 and 16, got " + parallel;
        }
        if (windowMillis < 0) {
            return "window must be positive, got " + windowMillis + " ms";
        }
        if (keysPerBatch < 1 || keysPerBatch > 100_000 || maxPauseMillis < 10 || maxPauseMillis > 10_000
                || maxKeysPerSecond < 0) {
            return "keysPerBatch must be 1..100000, maxPauseMillis 10..10000, maxKeysPerSecond >= 0";
        }
        Set<String> known = new HashSet<>();
        cluster.groups().forEach(g -> known.add(g.id()));
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            boolean added = add.stream().anyMatch(n -> n.id().equals(e.getKey()));
            if (!known.contains(e.getKey()) && !added) {
                return "weights names group-[" + e.getKey() + "], which is not in " + cluster.logId() + " " + known;
            }
            if (e.getValue() == null || e.getValue() < 0 || e.getValue() > 1000) {
                return "the weight of group-[" + e.getKey() + "] must be between 0 and 1000, got " + e.getValue();
            }
        }
        String kindProblem = switch (kind) {
            case SCALE_OUT -> addProblem(cluster, fresh, inUse, known);
            case SCALE_IN -> drainProblem(cluster, known);
            default -> add.isEmpty() && drain.isEmpty() ? null : "a rebalance adds and drains no groups: use scale-out or scale-in";
        };
        if (kindProblem != null) {
            return kindProblem;
        }
        if (weightsFor(cluster).values().stream().noneMatch(w -> w > 0)) {
            return "every group would have weight 0: at least one group must keep slots";
        }
        return null;
    }

    private String addProblem(Cluster cluster, boolean fresh, Set<Address> inUse, Set<String> known) {
        if (add.isEmpty()) {
            return "groups is missing or empty: [{\"id\":\"g3\",\"master\":\"127.0.0.1:7021\",\"replicas\":[\"127.0.0.1:7022\"],"
                    + "\"weight\":1}]";
        }
        if (!drain.isEmpty()) {
            return "a scale-out drains no groups";
        }
        Set<String> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (NewGroup n : add) {
            if (n.id() == null || !GROUP_ID.matcher(n.id()).matches()) {
                return "group id '" + n.id() + "' must be 1-64 letters, digits, '.', '_' or '-'";
            }
            if (!ids.add(n.id())) {
                return "group-[" + n.id() + "] is listed twice";
            }
            if (fresh && known.contains(n.id())) {
                return "group-[" + n.id() + "] exists already in " + cluster.logId() + ": pick a new id";
            }
            if (!(n.weight() > 0) || n.weight() > 1000) {
                return "the weight of group-[" + n.id() + "] must be above 0 and at most 1000, got " + n.weight();
            }
            List<String> all = new java.util.ArrayList<>();
            all.add(n.master());
            all.addAll(n.replicas());
            for (String a : all) {
                Address parsed;
                try {
                    parsed = Address.parse(a);
                } catch (InvalidTopologyException | NullPointerException e) {
                    return "group-[" + n.id() + "]: '" + a + "' is not host:port, e.g. 127.0.0.1:7021";
                }
                if (!addresses.add(parsed.toString())) {
                    return parsed.logId() + " is listed twice";
                }
                if (fresh && inUse.contains(parsed)) {
                    return parsed.logId() + " is already registered: give running, empty redis-servers no cluster knows";
                }
            }
        }
        return null;
    }

    private String drainProblem(Cluster cluster, Set<String> known) {
        if (drain.isEmpty()) {
            return "groups is missing or empty: the ids of the groups to drain, e.g. [\"g3\"]";
        }
        if (!add.isEmpty()) {
            return "a scale-in adds no groups";
        }
        for (String g : drain) {
            if (!known.contains(g)) {
                return "group-[" + g + "] is not in " + cluster.logId() + " " + known;
            }
        }
        if (new HashSet<>(drain).containsAll(known)) {
            return "a scale-in cannot drain every group of " + cluster.logId() + ": at least one must keep the slots";
        }
        return null;
    }
}
