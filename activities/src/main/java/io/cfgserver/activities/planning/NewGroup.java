package io.cfgserver.activities.planning;

import java.util.List;

/**
 * A group a scale-out adds: its id, its master (a running, empty redis-server), the replicas to
 * rebuild for it (add-replica jobs) and its weight (its share of the slots, relative to the others).
 */
public record NewGroup(String id, String master, List<String> replicas, double weight) {
    public NewGroup {
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
    }
}
