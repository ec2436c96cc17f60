package io.cfgserver.activities.planning;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.registry.topology.Slots;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plans a scale job against the registry: samples every master that owns slots ({@link SlotSampler}),
 * runs the {@link SlotPlanner}, estimates the time. Used by the REST service for dry runs and by the
 * scale workflows' first activity, so a dry run shows the moves the job would run.
 */
public final class ClusterPlanner {
    /** Keys per second assumed when the cluster has no finished move to measure (the benchmark's median, rounded down). */
    public static final double DEFAULT_RATE = 20_000;
    /** Seconds a move costs besides its keys: begin, the cut-over (every proxy on the new map), the end. */
    public static final double PER_MOVE_SECONDS = 2;
    public static final double JUMBO_FACTOR = 8;
    private static final Pattern MOVED = Pattern.compile("^(\\d+) keys");

    private final SlotSampler sampler;

    public ClusterPlanner(SlotSampler sampler) {
        this.sampler = sampler;
    }

    /** Thrown when the request cannot be planned; the message says what to fix. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    public PlanResult plan(RegistryState state, ScaleRequest req, boolean fresh) {
        Cluster cluster = state.cluster(req.cluster()).orElseThrow(() -> new Refused("cluster-[" + req.cluster()
                + "] does not exist"));
        String problem = req.problem(cluster, fresh, state.addressesInUse());
        if (problem != null) {
            throw new Refused(problem);
        }
        long[] keys = new long[Slots.COUNT];
        long[] bytes = new long[Slots.COUNT];
        String[] owners = cluster.slots().owners();
        for (Group g : cluster.groups()) {
            if (!cluster.slots().owningGroups().contains(g.id())) {
                continue;
            }
            SlotSampler.Sample sample = sampler.sample(g.master().address(), SlotSampler.DEFAULT_SAMPLE);
            for (int s = 0; s < Slots.COUNT; s++) {
                if (owners[s].equals(g.id())) { // keys of slots a group does not own are not its load
                    keys[s] = sample.keys()[s];
                    bytes[s] = sample.bytes()[s];
                }
            }
        }
        Map<String, Double> weights = req.weightsFor(cluster);
        SlotPlanner.Plan plan;
        try {
            plan = SlotPlanner.plan(new SlotPlanner.Input(owners, weights, req.tolerance(), req.planBy(), keys, bytes,
                    req.maxMoves(), JUMBO_FACTOR));
        } catch (IllegalArgumentException e) {
            throw new Refused(e.getMessage());
        }
        long totalKeys = plan.moves().stream().mapToLong(SlotPlanner.Move::keys).sum();
        long totalBytes = plan.moves().stream().mapToLong(SlotPlanner.Move::bytes).sum();
        double[] rate = rate(state, cluster.name());
        long eta = eta(plan.moves(), rate[0], req.parallel());
        String summary = plan.within() ? "within tolerance: nothing to move"
                : plan.moves().size() + " moves, " + plan.moves().stream().mapToInt(SlotPlanner.Move::slots).sum()
                        + " slots, about " + totalKeys + " keys / " + totalBytes + " bytes, about " + eta + " s"
                        + (plan.truncated() > 0 ? "; " + plan.truncated() + " more moves left for a next run (maxMoves)" : "")
                        + (plan.jumbo().isEmpty() ? "" : "; jumbo slots not moved: " + plan.jumbo());
        return new PlanResult(id(cluster, req, plan.moves()), cluster.name(), req.kind(), cluster.version(), plan.moves(),
                plan.within(), req.planBy().name().toLowerCase(), weights, plan.before(), plan.after(), plan.quota(),
                plan.jumbo(), plan.truncated(), totalKeys, totalBytes, eta, rate[0],
                rate[1] > 0 ? "measured over the last " + (long) rate[1] + " moves of " + cluster.logId()
                        : "default (no move of " + cluster.logId() + " measured yet)",
                summary);
    }

    /** {@code plan-<version>-<digest of kind and moves>}. */
    static String id(Cluster cluster, ScaleRequest req, List<SlotPlanner.Move> moves) {
        StringBuilder text = new StringBuilder(req.kind());
        for (SlotPlanner.Move m : moves) {
            text.append(';').append(m.from()).append('-').append(m.to()).append(':').append(m.source()).append('>')
                    .append(m.target());
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return "plan-" + cluster.version() + "-" + HexFormat.of().formatHex(digest, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The moves' part of a plan id (after the version). */
    public static String digest(String planId) {
        int dash = planId.lastIndexOf('-');
        return dash < 0 ? planId : planId.substring(dash + 1);
    }

    /** Keys per second over the cluster's last finished moves (from their catalog entries), and how many. */
    static double[] rate(RegistryState state, String cluster) {
        long keys = 0;
        long millis = 0;
        int n = 0;
        List<Job> done = state.jobsOf(cluster).stream()
                .filter(j -> j.type().equals("migrate-slots") && j.state() == JobState.SUCCEEDED)
                .sorted((a, b) -> Long.compare(b.updatedMillis(), a.updatedMillis())).limit(10).toList();
        for (Job j : done) {
            Matcher m = MOVED.matcher(j.message());
            long took = j.updatedMillis() - j.createdMillis();
            if (m.find() && took > 0) {
                long k = Long.parseLong(m.group(1));
                if (k >= 1000) { // a move of a few keys measures its fixed cost, not a rate
                    keys += k;
                    millis += Math.max(1, took - (long) (PER_MOVE_SECONDS * 1000));
                    n++;
                }
            }
        }
        return n == 0 ? new double[] {DEFAULT_RATE, 0} : new double[] {keys * 1000.0 / millis, n};
    }

    /** Moves of one source run one after another; up to {@code parallel} sources at once. */
    static long eta(List<SlotPlanner.Move> moves, double rate, int parallel) {
        Map<String, Double> bySource = new HashMap<>();
        double total = 0;
        for (SlotPlanner.Move m : moves) {
            double s = Math.max(0, m.keys()) / rate + PER_MOVE_SECONDS;
            bySource.merge(m.source(), s, Double::sum);
            total += s;
        }
        double longest = bySource.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return (long) Math.ceil(Math.max(longest, total / Math.max(1, parallel)));
    }
}
