package io.cfgserver.activities.planning;

import java.util.List;

/**
 * A group a scale-out adds: its id, its master (a running, empty redis-server), the replicas to
 * rebuild for it (add-replica jobs), its weight (its share of the slots, relative to the others) and
 * whether it may take its slots by replication (the split fast path) when they all come from one
 * group: null or true when it may, false for a key-by-key move.
 */
public record NewGroup(String id, String master, List<String> replicas, double weight, Boolean split) {
    public NewGroup {
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
    }

    public boolean splits() {
        return split == null || split;
    }
}
