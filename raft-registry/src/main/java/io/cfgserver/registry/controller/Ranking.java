package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which replica to promote: a pure function of the group and the probe views (unit-tested).
 * Eligible: promotable (not banned, not stale, priority > 0), reachable now, a replica whose link to
 * the master was up recently, in the master's region when regions are set. Then: highest replication
 * offset, then lowest priority value (as Redis' replica-priority), then address — deterministic.
 */
public final class Ranking {
    private Ranking() {
    }

    /** One replica's standing, with why it is not eligible (null when it is). */
    public record Candidate(Instance replica, ProbeResult probe, String ineligible) {
    }

    public static List<Candidate> assess(Group group, Function<Instance, Optional<Prober.View>> views, long nowNanos,
            long downAfterMillis, long maxLinkDownMillis) {
        List<Candidate> out = new ArrayList<>();
        String region = group.master().region();
        for (Instance r : group.replicas()) {
            Prober.View v = views.apply(r).orElse(null);
            ProbeResult p = v == null ? null : v.last();
            String why = null;
            if (r.banned()) {
                why = "banned";
            } else if (r.stale()) {
                why = "stale (a former master)";
            } else if (r.priority() <= 0) {
                why = "priority 0";
            } else if (region != null && !Objects.equals(region, r.region())) {
                why = "region " + r.region() + " is not the master's " + region;
            } else if (v == null || p == null || !p.ok() || v.silentNanos(nowNanos) > downAfterMillis * 1_000_000L) {
                why = "not reachable now";
            } else if (p.role() != ProbeRole.REPLICA) {
                why = "role " + p.role();
            } else if (!p.linkUp() && (p.linkDownSeconds() < 0 || p.linkDownSeconds() * 1000 > maxLinkDownMillis)) {
                why = "link to the master down for " + p.linkDownSeconds() + " s";
            }
            out.add(new Candidate(r, p, why));
        }
        return out;
    }

    /**
     * The same assessment with one more condition on the replicas that are still eligible:
     * {@code problem} answers why one is not (null when it is).
     */
    public static List<Candidate> require(List<Candidate> assessed, Function<Instance, String> problem) {
        List<Candidate> out = new ArrayList<>();
        for (Candidate c : assessed) {
            String why = c.ineligible() == null ? problem.apply(c.replica()) : c.ineligible();
            out.add(new Candidate(c.replica(), c.probe(), why));
        }
        return out;
    }

    public static Optional<Candidate> best(List<Candidate> assessed) {
        return assessed.stream().filter(c -> c.ineligible() == null)
                .min(Comparator.comparingLong((Candidate c) -> -c.probe().offset())
                        .thenComparingInt(c -> c.replica().priority())
                        .thenComparing(c -> c.replica().address()));
    }

    /** "a: why; b: why" for the abort event. */
    public static String reasons(List<Candidate> assessed) {
        if (assessed.isEmpty()) {
            return "the group has no replicas";
        }
        StringBuilder sb = new StringBuilder();
        for (Candidate c : assessed) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(c.replica().address()).append(": ").append(c.ineligible() == null ? "eligible" : c.ineligible());
        }
        return sb.toString();
    }
}
