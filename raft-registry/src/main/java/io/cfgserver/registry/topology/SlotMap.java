package io.cfgserver.registry.topology;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Owner of each of the 1024 slots, kept as maximal runs of consecutive slots with one owner
 * (sorted, covering 0..1023 exactly). Serialized as the list of runs.
 */
public final class SlotMap {
    private final List<SlotRange> runs;

    private SlotMap(List<SlotRange> runs) {
        this.runs = List.copyOf(runs);
    }

    /** Builds a map from ranges that must cover 0..1023 exactly once; says what is wrong otherwise. */
    @JsonCreator
    public static SlotMap of(List<SlotRange> ranges) {
        if (ranges == null || ranges.isEmpty()) {
            throw new InvalidTopologyException("slot ranges are missing: give ranges that cover slots 0.." + (Slots.COUNT - 1));
        }
        String[] owners = new String[Slots.COUNT];
        for (SlotRange r : ranges) {
            if (r == null || r.group() == null || r.group().isBlank()) {
                throw new InvalidTopologyException("every slot range needs a group");
            }
            if (r.from() < 0 || r.to() >= Slots.COUNT || r.from() > r.to()) {
                throw new InvalidTopologyException("slot range " + r.from() + ".." + r.to()
                        + " is invalid: need 0 <= from <= to <= " + (Slots.COUNT - 1));
            }
            for (int s = r.from(); s <= r.to(); s++) {
                if (owners[s] != null) {
                    throw new InvalidTopologyException("slot ranges overlap at " + Slots.logId(s)
                            + " (groups " + owners[s] + " and " + r.group() + "): each slot must be assigned once");
                }
                owners[s] = r.group();
            }
        }
        for (int s = 0; s < Slots.COUNT; s++) {
            if (owners[s] == null) {
                throw new InvalidTopologyException("slot ranges are incomplete: " + Slots.logId(s)
                        + " has no group; ranges must cover 0.." + (Slots.COUNT - 1));
            }
        }
        return fromOwners(owners);
    }

    /** Spreads the slots over groups in contiguous, near-equal ranges, in the given order. */
    public static SlotMap spread(List<String> groups) {
        if (groups.isEmpty()) {
            throw new InvalidTopologyException("a cluster needs at least one group to own its slots");
        }
        String[] owners = new String[Slots.COUNT];
        int n = groups.size();
        for (int i = 0; i < n; i++) {
            int from = (int) ((long) Slots.COUNT * i / n);
            int to = (int) ((long) Slots.COUNT * (i + 1) / n) - 1;
            Arrays.fill(owners, from, to + 1, groups.get(i));
        }
        return fromOwners(owners);
    }

    public static SlotMap fromOwners(String[] owners) {
        List<SlotRange> runs = new ArrayList<>();
        int start = 0;
        for (int s = 1; s <= Slots.COUNT; s++) {
            if (s == Slots.COUNT || !owners[s].equals(owners[start])) {
                runs.add(new SlotRange(start, s - 1, owners[start]));
                start = s;
            }
        }
        return new SlotMap(runs);
    }

    @JsonValue
    public List<SlotRange> runs() {
        return runs;
    }

    public String owner(int slot) {
        for (SlotRange r : runs) {
            if (slot >= r.from() && slot <= r.to()) {
                return r.group();
            }
        }
        throw new IllegalArgumentException("slot out of range: " + slot);
    }

    public String[] owners() {
        String[] owners = new String[Slots.COUNT];
        for (SlotRange r : runs) {
            Arrays.fill(owners, r.from(), r.to() + 1, r.group());
        }
        return owners;
    }

    /** Slots owned per group, for groups that own any. */
    public Map<String, Integer> countByGroup() {
        Map<String, Integer> counts = new TreeMap<>();
        for (SlotRange r : runs) {
            counts.merge(r.group(), r.length(), Integer::sum);
        }
        return counts;
    }

    public Set<String> owningGroups() {
        return countByGroup().keySet();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SlotMap other && runs.equals(other.runs);
    }

    @Override
    public int hashCode() {
        return runs.hashCode();
    }

    @Override
    public String toString() {
        return runs.toString();
    }
}
