package io.cfgserver.activities.planning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cfgserver.activities.planning.SlotPlanner.By;
import io.cfgserver.activities.planning.SlotPlanner.Move;
import io.cfgserver.activities.planning.SlotPlanner.Plan;
import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.Slots;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SlotPlannerTest {

    private static Map<String, Double> equal(String... groups) {
        Map<String, Double> w = new TreeMap<>();
        for (String g : groups) {
            w.put(g, 1.0);
        }
        return w;
    }

    private static Plan bySlots(String[] owners, Map<String, Double> weights, double tolerance) {
        return SlotPlanner.plan(new SlotPlanner.Input(owners, weights, tolerance, By.SLOTS, null, null, 0, 0));
    }

    /** The owners once every move of the plan ran; checks that each move takes slots its source owns. */
    private static String[] apply(String[] owners, Plan plan) {
        String[] next = owners.clone();
        for (Move m : plan.moves()) {
            for (int s = m.from(); s <= m.to(); s++) {
                assertEquals(m.source(), next[s], "move " + m + " takes slot " + s + " from its owner");
                next[s] = m.target();
            }
        }
        return next;
    }

    private static Map<String, Integer> counts(String[] owners) {
        return SlotMap.fromOwners(owners).countByGroup();
    }

    @Test
    void doublingAClusterMovesOneContiguousRangeFromEachOldGroupToOneNewGroup() {
        String[] owners = SlotMap.spread(List.of("g1", "g2")).owners();
        Plan plan = bySlots(owners, equal("g1", "g2", "g3", "g4"), 0);
        assertEquals(List.of(new Move(256, 511, "g1", "g3", -1, -1), new Move(768, 1023, "g2", "g4", -1, -1)), plan.moves());
        assertEquals(Map.of("g1", 256, "g2", 256, "g3", 256, "g4", 256), counts(apply(owners, plan)));
    }

    @Test
    void movesAreMinimalAndTheResultMatchesTheWeights() {
        String[] owners = SlotMap.spread(List.of("g1", "g2", "g3")).owners();
        Map<String, Double> w = Map.of("g1", 2.0, "g2", 1.0, "g3", 1.0);
        Plan plan = bySlots(owners, w, 0);
        String[] after = apply(owners, plan);
        assertEquals(Map.of("g1", 512, "g2", 256, "g3", 256), counts(after));
        int moved = plan.moves().stream().mapToInt(Move::slots).sum();
        int changed = 0;
        for (int s = 0; s < Slots.COUNT; s++) {
            changed += owners[s].equals(after[s]) ? 0 : 1;
        }
        assertEquals(changed, moved, "no slot moves twice");
        // minimal: exactly the surplus of the donors moves
        int surplus = Math.max(0, 341 - 256) + Math.max(0, 341 - 256);
        assertTrue(moved <= surplus + 1, "moved " + moved + " slots, the surplus is " + surplus);
    }

    @Test
    void drainingAGroupEmptiesItAndNeverMovesIntoIt() {
        String[] owners = SlotMap.spread(List.of("g1", "g2", "g3", "g4")).owners();
        Map<String, Double> w = new TreeMap<>(equal("g1", "g2", "g3"));
        w.put("g4", 0.0);
        Plan plan = bySlots(owners, w, 0.5); // a large tolerance does not excuse a drain
        String[] after = apply(owners, plan);
        Map<String, Integer> c = counts(after);
        assertEquals(null, c.get("g4"));
        assertEquals(Slots.COUNT, c.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(plan.moves().stream().allMatch(m -> m.source().equals("g4")), "only g4 gives: " + plan.moves());
        assertTrue(plan.moves().stream().noneMatch(m -> m.target().equals("g4")));
        assertEquals(Map.of("g1", 342, "g2", 341, "g3", 341), c);
    }

    @Test
    void withinToleranceNothingMoves() {
        String[] owners = SlotMap.spread(List.of("g1", "g2")).owners();
        owners[512] = "g1"; // 513 / 511
        assertTrue(bySlots(owners, equal("g1", "g2"), 0.02).within());
        assertEquals(List.of(), bySlots(owners, equal("g1", "g2"), 0.02).moves());
        Plan exact = bySlots(owners, equal("g1", "g2"), 0);
        assertEquals(List.of(new Move(512, 512, "g1", "g2", -1, -1)), exact.moves());
    }

    @Test
    void aSkewedMapIsBalancedWithFewRuns() {
        String[] owners = new String[Slots.COUNT];
        Arrays.fill(owners, "g1");
        Arrays.fill(owners, 1000, 1024, "g2");
        Plan plan = bySlots(owners, equal("g1", "g2"), 0.02);
        String[] after = apply(owners, plan);
        assertEquals(Map.of("g1", 512, "g2", 512), counts(after));
        assertEquals(1, plan.moves().size(), "one contiguous range: " + plan.moves());
        assertEquals(2, SlotMap.fromOwners(after).runs().size());
    }

    @Test
    void theSamInputGivesTheSamePlan() {
        String[] owners = SlotMap.spread(List.of("a", "b", "c", "d", "e")).owners();
        Map<String, Double> w = Map.of("a", 1.0, "b", 3.0, "c", 0.0, "d", 1.0, "e", 2.0, "f", 1.0);
        assertEquals(bySlots(owners, w, 0), bySlots(owners, w, 0));
        assertEquals(Map.of("a", 128, "b", 384, "d", 128, "e", 256, "f", 128), counts(apply(owners, bySlots(owners, w, 0))));
    }

    @Test
    void maxMovesKeepsTheFirstMovesAndCountsTheRest() {
        String[] owners = SlotMap.spread(List.of("g1", "g2", "g3", "g4")).owners();
        Plan plan = SlotPlanner.plan(new SlotPlanner.Input(owners, equal("g1", "g2", "g3", "g4", "g5", "g6"), 0,
                By.SLOTS, null, null, 2, 0));
        assertEquals(2, plan.moves().size());
        assertTrue(plan.truncated() > 0);
    }

    @Test
    void byMemoryBalancesBytesAndReportsAJumboSlotInsteadOfMovingIt() {
        String[] owners = SlotMap.spread(List.of("g1", "g2")).owners();
        long[] bytes = new long[Slots.COUNT];
        long[] keys = new long[Slots.COUNT];
        Arrays.fill(bytes, 1000);
        Arrays.fill(keys, 10);
        for (int s = 0; s < 512; s++) {
            bytes[s] = 3000; // g1 holds three times the bytes of g2
        }
        bytes[511] = 400_000; // and one jumbo slot, at its tail
        Plan plan = SlotPlanner.plan(new SlotPlanner.Input(owners, equal("g1", "g2"), 0.02, By.MEMORY, keys, bytes, 0, 8));
        assertEquals(List.of(511), plan.jumbo());
        assertTrue(plan.moves().stream().noneMatch(m -> m.from() <= 511 && m.to() >= 511), "the jumbo slot stays");
        long g1 = plan.after().get("g1");
        long g2 = plan.after().get("g2");
        long total = g1 + g2;
        assertTrue(Math.abs(g1 - g2) <= 0.02 * total + 400_000, "after: " + plan.after());
        assertTrue(plan.moves().stream().allMatch(m -> m.keys() == 10L * m.slots() && m.bytes() > 0));
    }

    @Test
    void refusesOwnersWithoutAWeightAndAllZeroWeights() {
        String[] owners = SlotMap.spread(List.of("g1", "g2")).owners();
        assertThrows(IllegalArgumentException.class, () -> bySlots(owners, equal("g1"), 0));
        assertThrows(IllegalArgumentException.class, () -> bySlots(owners, Map.of("g1", 0.0, "g2", 0.0), 0));
        assertThrows(IllegalArgumentException.class, () -> bySlots(owners, Map.of("g1", -1.0, "g2", 1.0), 0));
    }
}
