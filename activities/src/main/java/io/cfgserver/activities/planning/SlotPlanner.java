package io.cfgserver.activities.planning;

import io.cfgserver.registry.topology.Slots;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The planner: a pure function from a slot map, the groups' weights and (when known) per-slot sizes
 * to an ordered list of contiguous range moves. Deterministic (groups in id order, slots ascending),
 * so the same input always gives the same plan: a plan id can be checked by planning again.
 *
 * <p>Rules: every group's share of the load (slot count, or bytes when planning by memory) is
 * proportional to its weight; a group of weight 0 is drained (it gives everything and receives
 * nothing, whatever the tolerance); when every share is within {@code tolerance} of its quota and
 * nothing is drained, nothing moves (hysteresis). A donor gives the tail of its slots (so what it
 * keeps stays contiguous); receivers take the given slots in id order; each (source, target) block is
 * cut into maximal runs of consecutive slots. When planning by memory a slot far above the others
 * ({@code jumboFactor} times the mean of non-empty slots) is never moved automatically, only
 * reported, unless its group is drained.
 */
public final class SlotPlanner {
    public enum By {
        SLOTS, MEMORY
    }

    /**
     * @param owners      owner of each slot, 1024 entries
     * @param weights     every group that may own slots, with its weight; 0 drains it
     * @param slotKeys    estimated keys per slot, or null when unknown
     * @param slotBytes   estimated bytes per slot, or null when unknown (required for {@link By#MEMORY})
     * @param maxMoves    at most this many moves (0 = no limit); the rest waits for the next plan
     * @param jumboFactor a slot above this many times the mean slot size is jumbo (memory plans)
     */
    public record Input(String[] owners, Map<String, Double> weights, double tolerance, By by, long[] slotKeys,
            long[] slotBytes, int maxMoves, double jumboFactor) {
        public Input {
            weights = new TreeMap<>(weights);
        }
    }

    /** One contiguous range of slots of one source group going to one target; -1 where a size is unknown. */
    public record Move(int from, int to, String source, String target, long keys, long bytes) {
        public int slots() {
            return to - from + 1;
        }
    }

    /**
     * @param before/after  load per group (slots, or bytes by memory) now and once every move ran
     * @param quota         the load each group should have
     * @param within        true when nothing needed to move (within tolerance, nothing drained)
     * @param jumbo         slots reported instead of moved
     * @param truncated     moves left out by {@code maxMoves}
     */
    public record Plan(List<Move> moves, Map<String, Long> before, Map<String, Long> after, Map<String, Long> quota,
            boolean within, List<Integer> jumbo, int truncated) {
    }

    private SlotPlanner() {
    }

    public static Plan plan(Input in) {
        String[] owners = in.owners();
        if (owners == null || owners.length != Slots.COUNT) {
            throw new IllegalArgumentException("owners must list " + Slots.COUNT + " slots");
        }
        Map<String, Double> weights = in.weights();
        for (String o : owners) {
            if (!weights.containsKey(o)) {
                throw new IllegalArgumentException("group-[" + o + "] owns slots but has no weight");
            }
        }
        double totalWeight = 0;
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            if (e.getValue() == null || e.getValue() < 0 || e.getValue().isNaN() || e.getValue().isInfinite()) {
                throw new IllegalArgumentException("weight of group-[" + e.getKey() + "] must be >= 0, got " + e.getValue());
            }
            totalWeight += e.getValue();
        }
        if (totalWeight <= 0) {
            throw new IllegalArgumentException("at least one group needs a weight above 0 to own the slots");
        }
        long[] size = sizes(in);
        long total = Arrays.stream(size).sum();
        Map<String, Long> quota = quotas(weights, totalWeight, total);
        Map<String, Long> load = new TreeMap<>();
        weights.keySet().forEach(g -> load.put(g, 0L));
        for (int s = 0; s < Slots.COUNT; s++) {
            load.merge(owners[s], size[s], Long::sum);
        }
        Map<String, Long> before = new TreeMap<>(load);
        List<Integer> jumbo = jumboSlots(in, size);
        boolean drains = weights.entrySet().stream().anyMatch(e -> e.getValue() == 0 && load.get(e.getKey()) > 0);
        double slack = in.tolerance() * total;
        boolean within = !drains && weights.keySet().stream().allMatch(g -> Math.abs(load.get(g) - quota.get(g)) <= slack);
        if (within || total == 0) {
            return new Plan(List.of(), before, before, quota, true, jumbo, 0);
        }

        // what each donor gives: the tail of its slots, while giving a slot brings it closer to its quota
        String[] next = owners.clone();
        List<Integer> given = new ArrayList<>();
        Map<Integer, String> donorOf = new LinkedHashMap<>();
        for (String g : weights.keySet()) {
            boolean drained = weights.get(g) == 0;
            for (int s = Slots.COUNT - 1; s >= 0; s--) {
                if (!owners[s].equals(g) || (!drained && jumbo.contains(s))) {
                    continue;
                }
                long over = load.get(g) - quota.get(g);
                if (!drained && (over <= 0 || 2 * over < size[s])) {
                    break;
                }
                given.add(s);
                donorOf.put(s, g);
                load.merge(g, -size[s], Long::sum);
            }
        }
        given.sort(Comparator.naturalOrder());
        // receivers take the given slots in order: the first with room, else the one furthest below its quota
        List<String> receivers = weights.keySet().stream().filter(g -> weights.get(g) > 0).toList();
        int r = 0;
        for (int s : given) {
            String to = null;
            for (int i = 0; i < receivers.size() && to == null; i++) {
                String g = receivers.get((r + i) % receivers.size());
                long room = quota.get(g) - load.get(g);
                if (room > 0 && 2 * room >= size[s]) {
                    to = g;
                    r = (r + i) % receivers.size();
                }
            }
            if (to == null) {
                to = receivers.stream().max(Comparator.comparingLong((String g) -> quota.get(g) - load.get(g))
                        .thenComparing(Comparator.reverseOrder())).orElseThrow();
            }
            next[s] = to;
            load.merge(to, size[s], Long::sum);
        }
        List<Move> moves = new ArrayList<>();
        for (int i = 0; i < given.size();) {
            int start = given.get(i);
            int end = start;
            int j = i + 1;
            while (j < given.size() && given.get(j) == end + 1 && next[given.get(j)].equals(next[start])
                    && donorOf.get(given.get(j)).equals(donorOf.get(start))) {
                end = given.get(j);
                j++;
            }
            if (!next[start].equals(owners[start])) {
                moves.add(new Move(start, end, owners[start], next[start], sum(in.slotKeys(), start, end),
                        sum(in.slotBytes(), start, end)));
            }
            i = j;
        }
        int truncated = 0;
        if (in.maxMoves() > 0 && moves.size() > in.maxMoves()) {
            truncated = moves.size() - in.maxMoves();
            for (Move m : moves.subList(in.maxMoves(), moves.size())) {
                for (int s = m.from(); s <= m.to(); s++) {
                    load.merge(m.target(), -size[s], Long::sum);
                    load.merge(m.source(), size[s], Long::sum);
                }
            }
            moves = new ArrayList<>(moves.subList(0, in.maxMoves()));
        }
        return new Plan(List.copyOf(moves), before, new TreeMap<>(load), quota, false, jumbo, truncated);
    }

    /** The load of each slot: 1 when planning by slots, its bytes when by memory. */
    private static long[] sizes(Input in) {
        long[] size = new long[Slots.COUNT];
        if (in.by() == By.MEMORY) {
            if (in.slotBytes() == null || in.slotBytes().length != Slots.COUNT) {
                throw new IllegalArgumentException("a plan by memory needs the bytes of every slot");
            }
            return in.slotBytes().clone();
        }
        Arrays.fill(size, 1);
        return size;
    }

    /** Quotas proportional to the weights that add up to {@code total} exactly (largest remainder, ties by id). */
    static Map<String, Long> quotas(Map<String, Double> weights, double totalWeight, long total) {
        Map<String, Long> quota = new TreeMap<>();
        Map<String, Double> remainder = new TreeMap<>();
        long assigned = 0;
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            double exact = total * e.getValue() / totalWeight;
            long floor = (long) Math.floor(exact);
            quota.put(e.getKey(), floor);
            remainder.put(e.getKey(), exact - floor);
            assigned += floor;
        }
        List<String> byRemainder = new ArrayList<>(remainder.keySet());
        byRemainder.sort(Comparator.comparingDouble((String g) -> -remainder.get(g)).thenComparing(Comparator.naturalOrder()));
        for (int i = 0; assigned < total; i = (i + 1) % byRemainder.size()) {
            String g = byRemainder.get(i);
            if (weights.get(g) > 0) {
                quota.merge(g, 1L, Long::sum);
                assigned++;
            }
        }
        return quota;
    }

    private static List<Integer> jumboSlots(Input in, long[] size) {
        if (in.by() != By.MEMORY || in.jumboFactor() <= 0) {
            return List.of();
        }
        long nonEmpty = Arrays.stream(size).filter(x -> x > 0).count();
        if (nonEmpty == 0) {
            return List.of();
        }
        double mean = (double) Arrays.stream(size).sum() / nonEmpty;
        List<Integer> jumbo = new ArrayList<>();
        for (int s = 0; s < Slots.COUNT; s++) {
            if (size[s] > in.jumboFactor() * mean) {
                jumbo.add(s);
            }
        }
        return List.copyOf(jumbo);
    }

    private static long sum(long[] perSlot, int from, int to) {
        if (perSlot == null) {
            return -1;
        }
        long total = 0;
        for (int s = from; s <= to; s++) {
            total += perSlot[s];
        }
        return total;
    }
}
