package io.cfgserver.registry.topology;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One version of a cluster's desired settings (docs/config.md). Redis parameters at three levels,
 * the later winning: the cluster, a group ({@code groups}), an instance ({@code instances}, keyed by
 * address); and the nutcracker pool settings the agents render. Values are kept as the operator
 * wrote them ({@code "256mb"}); {@code canonical} holds what {@code CONFIG GET} answers once each is
 * set ({@code "268435456"}), learned from a real Redis when the version was checked, keyed
 * {@code "<param> <value>"}: a rollout verifies against it and drift is measured against it.
 *
 * @param note how the version came about ({@code put}, {@code rollback to 3})
 */
public record ConfigVersion(
        long version,
        long atMillis,
        String note,
        Map<String, String> redis,
        Map<String, String> nutcracker,
        Map<String, Map<String, String>> groups,
        Map<String, Map<String, String>> instances,
        Map<String, String> canonical) {

    /** Redis parameters cfgserver sets itself, or that would cut it off from the instance. */
    public static final Map<String, String> OWNED = owned();
    /** Redis parameter names as CONFIG SET takes them. */
    public static final Pattern PARAM = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    public static final ConfigVersion EMPTY = new ConfigVersion(0, 0, "none", Map.of(), Map.of(), Map.of(), Map.of(),
            Map.of());

    @JsonCreator
    public ConfigVersion {
        redis = sorted(redis);
        nutcracker = sorted(nutcracker);
        groups = nested(groups);
        instances = nested(instances);
        canonical = sorted(canonical);
    }

    private static Map<String, String> owned() {
        Map<String, String> m = new LinkedHashMap<>();
        String topology = "cfgserver sets it from the registry's topology";
        m.put("replicaof", topology + " (groups, failover)");
        m.put("slaveof", topology + " (groups, failover)");
        m.put("port", "it is the instance's address in the registry: add the instance at its new address instead");
        m.put("bind", "it is the instance's address in the registry: add the instance at its new address instead");
        m.put("dir", "it is where the instance keeps its data: set it in the instance's redis.conf");
        m.put("min-replicas-to-write", "the cluster's policy sets it: use policy field minReplicasToWrite");
        m.put("min-slaves-to-write", "the cluster's policy sets it: use policy field minReplicasToWrite");
        m.put("min-replicas-max-lag", "the cluster's policy sets it: use policy field minReplicasMaxLagSeconds");
        m.put("min-slaves-max-lag", "the cluster's policy sets it: use policy field minReplicasMaxLagSeconds");
        m.put("requirepass", "cfgserver connects without a password: setting one would cut it off from the instance");
        m.put("masterauth", "cfgserver connects without a password: setting one would cut it off from the instance");
        m.put("rename-command", "it cannot be changed at run time: set it in the instance's redis.conf");
        m.put("protected-mode", "cfgserver reaches instances over the network: protected mode would refuse it");
        m.put("masteruser", "cfgserver re-points replicas without credentials: setting one would break replication");
        String announce = "replicas are known by their address in the registry: an announced address would"
                + " hide them from the controller's ranking";
        m.put("replica-announce-ip", announce);
        m.put("replica-announce-port", announce);
        m.put("slave-announce-ip", announce);
        m.put("slave-announce-port", announce);
        m.put("client-output-buffer-limit", "CONFIG SET changes only the classes it names while CONFIG GET shows"
                + " all three, so cfgserver could not tell drift from a partial value: set it in the instances'"
                + " redis.conf");
        return Collections.unmodifiableMap(m);
    }

    static Map<String, String> sorted(Map<String, String> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(m));
    }

    private static Map<String, Map<String, String>> nested(Map<String, Map<String, String>> m) {
        if (m == null) {
            return Map.of();
        }
        Map<String, Map<String, String>> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, sorted(v)));
        return Collections.unmodifiableMap(out);
    }

    /** The key of a value in {@link #canonical}. */
    public static String canonicalKey(String param, String value) {
        return param + " " + value;
    }

    /**
     * The Redis parameters of one instance as written, cluster &lt; group &lt; instance, sorted by
     * name: what {@code CONFIG SET} is given.
     */
    public Map<String, String> redisFor(String group, Address instance) {
        Map<String, String> m = new TreeMap<>(redis);
        if (group != null) {
            m.putAll(groups.getOrDefault(group, Map.of()));
        }
        if (instance != null) {
            m.putAll(instances.getOrDefault(instance.toString(), Map.of()));
        }
        return m;
    }

    /** The same parameters as {@code CONFIG GET} answers them once set: what a rollout verifies and drift compares. */
    public Map<String, String> expectedFor(String group, Address instance) {
        Map<String, String> m = new TreeMap<>();
        redisFor(group, instance).forEach((k, v) -> m.put(k, canonical.getOrDefault(canonicalKey(k, v), v)));
        return m;
    }

    /** Whether this version sets any Redis parameter at any level. */
    @JsonIgnore
    public boolean hasRedis() {
        return !redis.isEmpty() || groups.values().stream().anyMatch(g -> !g.isEmpty())
                || instances.values().stream().anyMatch(i -> !i.isEmpty());
    }

    /** The reason cfgserver keeps {@code param} to itself, if it does. */
    public static Optional<String> owner(String param) {
        return Optional.ofNullable(OWNED.get(param));
    }

    /** Every (param, value) this version sets, at any level. */
    @JsonIgnore
    public List<Map.Entry<String, String>> allRedisValues() {
        List<Map.Entry<String, String>> all = new java.util.ArrayList<>(redis.entrySet());
        groups.values().forEach(g -> all.addAll(g.entrySet()));
        instances.values().forEach(i -> all.addAll(i.entrySet()));
        return all;
    }
}
