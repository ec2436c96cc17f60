package io.cfgserver.registry.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Per-cluster stop-loss policy. Used by the controller (failover issue); stored and validated
 * here.
 *
 * @param autoFailover           promote a replica when a master is objectively down
 * @param autoBan                ban replicas that are down or lag
 * @param downAfterMillis        subjectively down after this long without a valid reply
 * @param maxFailoversPerWindow  at most this many automatic failovers per window
 * @param failoverWindowMillis   the window for maxFailoversPerWindow
 * @param fleetBreakerShare      stop automatic failover when more than this share of all masters (of every
 *                               cluster; at least two of them) look dead at once
 * @param replicaMaxLagBytes     a replica further behind than this is banned
 * @param minReplicasToWrite     min-replicas-to-write set on masters (0: off)
 * @param minReplicasMaxLagSeconds min-replicas-max-lag set on masters
 * @param proxyFencing           what a proxy does when its lease ends without a renewal: {@code per-group}
 *                               (keep serving, fence only the groups whose data-plane evidence fails),
 *                               {@code strict} (stop the proxy), {@code off} (keep serving)
 * @param repairDrift            set a managed Redis parameter back when an instance's value drifted from the
 *                               rolled-out config (docs/config.md); off: only report it
 * @param refusedDownAfterMillis crash-aware detection (docs/failover.md): a master that every registry peer sees
 *                               refusing connections (not timing out) for this long is down without waiting for
 *                               {@code downAfterMillis}; 0: off (and no effect when not shorter than
 *                               {@code downAfterMillis})
 * @param replicaProbePeriodMillis how often each peer probes a replica (docs/fleet.md); 0: as often as masters
 *                               ({@code controller.probePeriod}). A replica whose master's last probe failed
 *                               is probed as often as masters whatever this says, so a failover ranks replicas
 *                               on fresh views. At most half of {@code downAfterMillis}: a replica probed less
 *                               often would look down between two probes
 */
public record Policy(
        boolean autoFailover,
        boolean autoBan,
        long downAfterMillis,
        int maxFailoversPerWindow,
        long failoverWindowMillis,
        double fleetBreakerShare,
        long replicaMaxLagBytes,
        int minReplicasToWrite,
        int minReplicasMaxLagSeconds,
        ProxyFencing proxyFencing,
        boolean repairDrift,
        long refusedDownAfterMillis,
        long replicaProbePeriodMillis) {

    /** The default of {@link #refusedDownAfterMillis}: a few probe periods of refusals from every peer. */
    public static final long DEFAULT_REFUSED_DOWN_AFTER_MILLIS = 300;

    public Policy {
        // policies stored before the field existed read as the default
        proxyFencing = proxyFencing == null ? ProxyFencing.PER_GROUP : proxyFencing;
    }

    /**
     * From JSON: a field missing from a policy stored before it existed reads as its default (not as
     * Java's zero, which would turn a rule off).
     */
    @com.fasterxml.jackson.annotation.JsonCreator
    static Policy fromJson(@com.fasterxml.jackson.annotation.JsonProperty("autoFailover") boolean autoFailover,
            @com.fasterxml.jackson.annotation.JsonProperty("autoBan") boolean autoBan,
            @com.fasterxml.jackson.annotation.JsonProperty("downAfterMillis") long downAfterMillis,
            @com.fasterxml.jackson.annotation.JsonProperty("maxFailoversPerWindow") int maxFailoversPerWindow,
            @com.fasterxml.jackson.annotation.JsonProperty("failoverWindowMillis") long failoverWindowMillis,
            @com.fasterxml.jackson.annotation.JsonProperty("fleetBreakerShare") double fleetBreakerShare,
            @com.fasterxml.jackson.annotation.JsonProperty("replicaMaxLagBytes") long replicaMaxLagBytes,
            @com.fasterxml.jackson.annotation.JsonProperty("minReplicasToWrite") int minReplicasToWrite,
            @com.fasterxml.jackson.annotation.JsonProperty("minReplicasMaxLagSeconds") int minReplicasMaxLagSeconds,
            @com.fasterxml.jackson.annotation.JsonProperty("proxyFencing") ProxyFencing proxyFencing,
            @com.fasterxml.jackson.annotation.JsonProperty("repairDrift") boolean repairDrift,
            @com.fasterxml.jackson.annotation.JsonProperty("refusedDownAfterMillis") Long refusedDownAfterMillis,
            @com.fasterxml.jackson.annotation.JsonProperty("replicaProbePeriodMillis") Long replicaProbePeriodMillis) {
        return new Policy(autoFailover, autoBan, downAfterMillis, maxFailoversPerWindow, failoverWindowMillis,
                fleetBreakerShare, replicaMaxLagBytes, minReplicasToWrite, minReplicasMaxLagSeconds, proxyFencing,
                repairDrift, refusedDownAfterMillis == null ? DEFAULT_REFUSED_DOWN_AFTER_MILLIS : refusedDownAfterMillis,
                replicaProbePeriodMillis == null ? 0 : replicaProbePeriodMillis);
    }

    public static Policy defaults() {
        return new Policy(true, true, 1000, 3, 600_000, 0.5, 64L * 1024 * 1024, 0, 10, ProxyFencing.PER_GROUP, false,
                DEFAULT_REFUSED_DOWN_AFTER_MILLIS, 0);
    }

    public Policy(boolean autoFailover, boolean autoBan, long downAfterMillis, int maxFailoversPerWindow,
            long failoverWindowMillis, double fleetBreakerShare, long replicaMaxLagBytes, int minReplicasToWrite,
            int minReplicasMaxLagSeconds, ProxyFencing proxyFencing) {
        this(autoFailover, autoBan, downAfterMillis, maxFailoversPerWindow, failoverWindowMillis, fleetBreakerShare,
                replicaMaxLagBytes, minReplicasToWrite, minReplicasMaxLagSeconds, proxyFencing, false,
                DEFAULT_REFUSED_DOWN_AFTER_MILLIS, 0);
    }

    public Policy withProxyFencing(ProxyFencing value) {
        return new Policy(autoFailover, autoBan, downAfterMillis, maxFailoversPerWindow, failoverWindowMillis,
                fleetBreakerShare, replicaMaxLagBytes, minReplicasToWrite, minReplicasMaxLagSeconds, value, repairDrift,
                refusedDownAfterMillis, replicaProbePeriodMillis);
    }

    /**
     * This policy with the named fields changed ({@code fields}: field name to its new JSON value), the
     * others kept. Applied inside the state machine, so two concurrent changes of different fields both
     * take effect. Throws {@link InvalidTopologyException} naming what to fix: an unknown field, a value of
     * the wrong type, or a policy that {@link #problems()} refuses.
     */
    public Policy patched(Map<String, JsonNode> fields) {
        Policy next = merged(fields);
        List<String> p = next.problems();
        if (!p.isEmpty()) {
            throw new InvalidTopologyException("policy is invalid: " + String.join("; ", p));
        }
        return next;
    }

    /**
     * This policy with the named fields replaced, checking only their names and JSON types (an unknown
     * field, a text where a number belongs); {@link #problems()} says whether the values are usable.
     */
    public Policy merged(Map<String, JsonNode> fields) {
        ObjectMapper mapper = io.cfgserver.registry.Json.mapper();
        ObjectNode merged = mapper.valueToTree(this);
        Set<String> known = new TreeSet<>();
        merged.fieldNames().forEachRemaining(known::add);
        if (fields.isEmpty()) {
            throw new InvalidTopologyException("name at least one policy field to change; known fields: "
                    + String.join(", ", known));
        }
        for (Map.Entry<String, JsonNode> e : new TreeMap<>(fields).entrySet()) {
            String field = e.getKey();
            JsonNode value = e.getValue();
            JsonNode was = merged.get(field);
            if (was == null) {
                throw new InvalidTopologyException("unknown policy field '" + field + "'; known fields: "
                        + String.join(", ", known));
            }
            if (value == null || value.isNull()) {
                throw new InvalidTopologyException("policy field '" + field + "' cannot be null: give a value");
            }
            if (field.equals("proxyFencing")) {
                ProxyFencing.parse(value.isTextual() ? value.asText() : value.toString());
            } else if (was.isBoolean() != value.isBoolean() || was.isNumber() != value.isNumber()) {
                throw new InvalidTopologyException("policy field '" + field + "' must be "
                        + (was.isBoolean() ? "true or false" : "a number") + ", got " + value);
            } else if (was.isIntegralNumber() && !value.isIntegralNumber()) {
                throw new InvalidTopologyException("policy field '" + field + "' must be a whole number, got " + value);
            }
            merged.set(field, value);
        }
        Policy next;
        try {
            next = mapper.treeToValue(merged, Policy.class);
        } catch (Exception e) {
            throw new InvalidTopologyException("policy is not valid: " + e.getMessage());
        }
        return next;
    }

    /**
     * How this policy differs from {@code expected} (field name to the JSON value it should have), one
     * line per field that differs ({@code "downAfterMillis is 1200, expected 1000"}); empty when every
     * field has its expected value. Numbers compare by value ({@code 1000} equals {@code 1000.0}).
     * Throws {@link InvalidTopologyException} for an unknown field or a null value.
     */
    public List<String> mismatches(Map<String, JsonNode> expected) {
        ObjectNode current = io.cfgserver.registry.Json.mapper().valueToTree(this);
        List<String> differ = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : new TreeMap<>(expected).entrySet()) {
            String field = e.getKey();
            JsonNode want = e.getValue();
            JsonNode is = current.get(field);
            if (is == null) {
                Set<String> known = new TreeSet<>();
                current.fieldNames().forEachRemaining(known::add);
                throw new InvalidTopologyException("unknown policy field '" + field + "' in expect; known fields: "
                        + String.join(", ", known));
            }
            if (want == null || want.isNull()) {
                throw new InvalidTopologyException("expected value of policy field '" + field
                        + "' cannot be null: give the value you read");
            }
            boolean same = is.isNumber() && want.isNumber()
                    ? is.decimalValue().compareTo(want.decimalValue()) == 0
                    : is.equals(want);
            if (!same) {
                differ.add(field + " is " + is + ", expected " + want);
            }
        }
        return differ;
    }

    /** Every reason this policy is unusable, empty when it is fine. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (downAfterMillis < 100 || downAfterMillis > 600_000) {
            p.add("downAfterMillis must be between 100 and 600000, got " + downAfterMillis);
        }
        if (maxFailoversPerWindow < 0) {
            p.add("maxFailoversPerWindow must be >= 0, got " + maxFailoversPerWindow);
        }
        if (failoverWindowMillis < 1000) {
            p.add("failoverWindowMillis must be >= 1000, got " + failoverWindowMillis);
        }
        if (!(fleetBreakerShare > 0 && fleetBreakerShare <= 1)) {
            p.add("fleetBreakerShare must be in (0, 1], got " + fleetBreakerShare);
        }
        if (replicaMaxLagBytes < 0) {
            p.add("replicaMaxLagBytes must be >= 0, got " + replicaMaxLagBytes);
        }
        if (minReplicasToWrite < 0) {
            p.add("minReplicasToWrite must be >= 0, got " + minReplicasToWrite);
        }
        if (refusedDownAfterMillis != 0 && (refusedDownAfterMillis < 100 || refusedDownAfterMillis > 600_000)) {
            p.add("refusedDownAfterMillis must be 0 (off) or between 100 and 600000, got " + refusedDownAfterMillis);
        }
        if (minReplicasMaxLagSeconds < 1) {
            p.add("minReplicasMaxLagSeconds must be >= 1, got " + minReplicasMaxLagSeconds);
        }
        if (replicaProbePeriodMillis != 0 && (replicaProbePeriodMillis < 50 || replicaProbePeriodMillis > downAfterMillis / 2)) {
            p.add("replicaProbePeriodMillis must be 0 (probe replicas as often as masters) or between 50 and half of"
                    + " downAfterMillis (" + downAfterMillis / 2 + "), got " + replicaProbePeriodMillis
                    + ": a replica probed less often would look down between two probes; raise downAfterMillis or"
                    + " lower replicaProbePeriodMillis");
        }
        return p;
    }
}
