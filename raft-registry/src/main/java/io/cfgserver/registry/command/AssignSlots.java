package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.SlotRange;
import java.util.List;

/**
 * Sets the owner of every slot without moving data (new clusters, repair). The ranges must
 * cover 0..1023 exactly once and name groups of the cluster.
 */
public record AssignSlots(String cluster, List<SlotRange> ranges, long atMillis) implements Command {
    public AssignSlots {
        ranges = ranges == null ? List.of() : List.copyOf(ranges);
    }
}
