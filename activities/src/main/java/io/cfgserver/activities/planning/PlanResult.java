package io.cfgserver.activities.planning;

import java.util.List;
import java.util.Map;

/**
 * A plan as the API shows it: its id (the cluster's version and a digest of the moves: a job started
 * from it is refused once the cluster changed), the moves with their estimated keys and bytes, the
 * load per group before and after, slots reported instead of moved, and an ETA from the rate the
 * cluster's earlier moves reached.
 */
public record PlanResult(String id, String cluster, String kind, long version, List<SlotPlanner.Move> moves,
        boolean within, String by, Map<String, Double> weights, Map<String, Long> before, Map<String, Long> after,
        Map<String, Long> quota, List<Integer> jumbo, int truncated, long keys, long bytes, long etaSeconds,
        double rateKeysPerSecond, String rateSource, String summary) {
    public PlanResult {
        moves = List.copyOf(moves);
        jumbo = List.copyOf(jumbo);
    }
}
