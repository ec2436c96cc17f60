package io.cfgserver.registry.statemachine;

import static io.cfgserver.registry.statemachine.Transitions.cluster;
import static io.cfgserver.registry.statemachine.Transitions.conflict;
import static io.cfgserver.registry.statemachine.Transitions.invalid;
import static io.cfgserver.registry.statemachine.Transitions.notFound;
import static io.cfgserver.registry.statemachine.Transitions.ok;
import static io.cfgserver.registry.statemachine.Transitions.required;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.ConfigPatch;
import io.cfgserver.registry.command.MarkConfigRolledOut;
import io.cfgserver.registry.command.PatchConfig;
import io.cfgserver.registry.command.PatchPolicy;
import io.cfgserver.registry.command.RollbackConfig;
import io.cfgserver.registry.command.SetConfigDrift;
import io.cfgserver.registry.command.SetProxySettings;
import io.cfgserver.registry.render.ProxySettings;
import io.cfgserver.registry.statemachine.Transitions.Outcome;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.ClusterConfig;
import io.cfgserver.registry.topology.ConfigDrift;
import io.cfgserver.registry.topology.ConfigVersion;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.RegistryState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The handlers of the configuration commands (docs/config.md) and of the policy patch. A config
 * change stores a new version (the topology version stays); giving a proxy new nutcracker settings
 * bumps the topology version, since that changes what its agent renders. Pure, like {@link Transitions}.
 */
final class ConfigTransitions {
    static final int MAX_VALUE_LENGTH = 1024;
    static final int MAX_DRIFT_ITEMS = io.cfgserver.registry.topology.ConfigDrift.MAX_PER_INSTANCE;

    private ConfigTransitions() {
    }

    static Outcome applyPatchConfig(RegistryState s, PatchConfig c) {
        Cluster cluster = cluster(s, c.cluster());
        ConfigPatch patch = required(c.patch(), "patch");
        if (patch.isEmpty()) {
            throw invalid("the config change names nothing: give {\"redis\":{...}}, {\"nutcracker\":{...}}, {\"groups\":{...}}"
                    + " or {\"instances\":{...}}");
        }
        Map<String, String> canonical = c.canonical() == null ? Map.of() : c.canonical();
        ConfigVersion cur = cluster.config().current();
        Map<String, String> redis = merge(cur.redis(), patch.redis(), "redis", canonical);
        Map<String, String> nutcracker = new TreeMap<>(cur.nutcracker());
        patch.nutcracker().forEach((k, v) -> {
            if (v == null) {
                nutcracker.remove(k);
            } else {
                nutcracker.put(k, v);
            }
        });
        try {
            ProxySettings.defaults().overlay(nutcracker);
        } catch (InvalidTopologyException e) {
            throw invalid("nutcracker: " + e.getMessage());
        }
        Map<String, Map<String, String>> groups = new TreeMap<>(cur.groups());
        patch.groups().forEach((g, level) -> {
            if (level == null) {
                groups.remove(g);
                return;
            }
            if (cluster.group(g).isEmpty()) {
                throw notFound("groups." + g + ": group-[" + g + "] is not in " + cluster.logId());
            }
            Map<String, String> m = merge(groups.getOrDefault(g, Map.of()), level, "groups." + g + ".redis", canonical);
            if (m.isEmpty()) {
                groups.remove(g);
            } else {
                groups.put(g, m);
            }
        });
        Map<String, Map<String, String>> instances = new TreeMap<>(cur.instances());
        patch.instances().forEach((a, level) -> {
            Address address;
            try {
                address = Address.parse(a);
            } catch (InvalidTopologyException e) {
                throw invalid("instances." + a + ": " + e.getMessage());
            }
            if (level == null) {
                instances.remove(address.toString());
                return;
            }
            if (cluster.groupOf(address).isEmpty()) {
                throw notFound("instances." + a + ": " + address.logId() + " is not an instance of " + cluster.logId());
            }
            Map<String, String> m = merge(instances.getOrDefault(address.toString(), Map.of()), level,
                    "instances." + a + ".redis", canonical);
            if (m.isEmpty()) {
                instances.remove(address.toString());
            } else {
                instances.put(address.toString(), m);
            }
        });
        ConfigVersion next = new ConfigVersion(cur.version() + 1, c.atMillis(), "put", redis, nutcracker, groups,
                instances, Map.of());
        if (sameContent(next, cur)) {
            return ok(s, cluster.version()); // nothing changes: no new version
        }
        Map<String, String> keep = new TreeMap<>();
        for (Map.Entry<String, String> e : next.allRedisValues()) {
            String key = ConfigVersion.canonicalKey(e.getKey(), e.getValue());
            String form = canonical.containsKey(key) ? canonical.get(key) : cur.canonical().get(key);
            if (form != null) {
                keep.put(key, form);
            }
        }
        next = new ConfigVersion(next.version(), next.atMillis(), next.note(), redis, nutcracker, groups, instances, keep);
        return stored(s, cluster, next, describe(patch));
    }

    /** {@code base} with {@code change} applied: names checked, values checked against {@code canonical}. */
    private static Map<String, String> merge(Map<String, String> base, Map<String, String> change, String where,
            Map<String, String> canonical) {
        Map<String, String> m = new TreeMap<>(base);
        for (Map.Entry<String, String> e : new TreeMap<>(change).entrySet()) {
            String param = e.getKey();
            if (param == null || !ConfigVersion.PARAM.matcher(param).matches()) {
                throw invalid(where + ": '" + param + "' is not a Redis parameter name (lowercase letters, digits and '-')");
            }
            String why = ConfigVersion.owner(param).orElse(null);
            if (why != null) {
                throw invalid(where + "." + param + " is not managed by the cluster's config: " + why);
            }
            String value = e.getValue();
            if (value == null) {
                m.remove(param);
                continue;
            }
            if (value.length() > MAX_VALUE_LENGTH || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw invalid(where + "." + param + ": a value is one line of at most " + MAX_VALUE_LENGTH + " characters");
            }
            if (!canonical.containsKey(ConfigVersion.canonicalKey(param, value))) {
                throw invalid(where + "." + param + "=" + value + " was not checked against a Redis (CONFIG GET form"
                        + " missing): send config changes through PUT /v1/clusters/{name}/config");
            }
            m.put(param, value);
        }
        return m;
    }

    private static boolean sameContent(ConfigVersion a, ConfigVersion b) {
        return a.redis().equals(b.redis()) && a.nutcracker().equals(b.nutcracker()) && a.groups().equals(b.groups())
                && a.instances().equals(b.instances());
    }

    private static Outcome stored(RegistryState s, Cluster cluster, ConfigVersion v, String what) {
        Cluster next = cluster.withConfig(cluster.config().plus(v));
        return ok(s.withCluster(next).withEvent(cluster.name(), v.atMillis(), "+config-changed", cluster.logId(),
                "config version " + v.version() + " (" + v.note() + "): " + what + "; roll it out with a config-rollout"
                        + " job"), next.version());
    }

    /** One line for the event: {@code redis maxmemory=256mb -timeout; nutcracker timeout=400; group g1 ...}. */
    static String describe(ConfigPatch p) {
        List<String> parts = new ArrayList<>();
        if (!p.redis().isEmpty()) {
            parts.add("redis " + pairs(p.redis()));
        }
        if (!p.nutcracker().isEmpty()) {
            parts.add("nutcracker " + pairs(p.nutcracker()));
        }
        p.groups().forEach((g, m) -> parts.add("group " + g + " " + (m == null ? "overrides removed" : pairs(m))));
        p.instances().forEach((a, m) -> parts.add("instance " + a + " " + (m == null ? "overrides removed" : pairs(m))));
        return String.join("; ", parts);
    }

    private static String pairs(Map<String, String> m) {
        return m.entrySet().stream().map(e -> e.getValue() == null ? "-" + e.getKey() : e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    static Outcome applyRollbackConfig(RegistryState s, RollbackConfig c) {
        Cluster cluster = cluster(s, c.cluster());
        ConfigVersion cur = cluster.config().current();
        if (c.to() < 0 || c.to() >= cur.version()) {
            throw invalid("rollback needs an earlier version: the current config version is " + cur.version()
                    + ", got " + c.to());
        }
        ConfigVersion to = cluster.config().version(c.to()).orElseThrow(() -> notFound("config version " + c.to()
                + " of " + cluster.logId() + " is no longer kept (the last " + ClusterConfig.MAX_VERSIONS + " are)"));
        ConfigVersion next = new ConfigVersion(cur.version() + 1, c.atMillis(), "rollback to " + c.to(), to.redis(),
                to.nutcracker(), to.groups(), to.instances(), to.canonical());
        return stored(s, cluster, next, "the content of version " + c.to());
    }

    static Outcome applySetProxySettings(RegistryState s, SetProxySettings c) {
        Cluster cluster = cluster(s, c.cluster());
        Proxy proxy = cluster.proxy(c.proxy())
                .orElseThrow(() -> notFound("proxy-[" + c.proxy() + "] is not in " + cluster.logId()));
        ConfigVersion v = cluster.config().version(c.configVersion()).orElseThrow(() -> notFound("config version "
                + c.configVersion() + " of " + cluster.logId() + " is not kept"));
        if (proxy.configVersion() == v.version() && proxy.nutcracker().equals(v.nutcracker())) {
            return ok(s, cluster.version());
        }
        boolean renders = !proxy.nutcracker().equals(v.nutcracker());
        Cluster next = cluster.mapProxy(proxy.id(), p -> p.withSettings(v.nutcracker(), v.version()));
        if (!renders) {
            return ok(s.withCluster(next), next.version());
        }
        next = next.bumpVersion();
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+proxy-settings", proxy.logId(),
                "nutcracker settings of config version " + v.version() + " (" + (v.nutcracker().isEmpty() ? "the agent's own"
                        : pairs(v.nutcracker())) + ") in topology version " + next.version()), next.version());
    }

    static Outcome applyMarkConfigRolledOut(RegistryState s, MarkConfigRolledOut c) {
        Cluster cluster = cluster(s, c.cluster());
        ConfigVersion v = cluster.config().version(c.version()).orElseThrow(() -> notFound("config version "
                + c.version() + " of " + cluster.logId() + " is not kept"));
        ClusterConfig cfg = cluster.config().withRolledOut(v.version());
        for (String a : cluster.config().drift().keySet()) {
            cfg = cfg.withDrift(a, List.of()); // drift is measured against the new version from now on
        }
        Cluster next = cluster.withConfig(cfg);
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+config-rolled-out", cluster.logId(),
                "config version " + v.version() + " is on every instance and proxy"
                        + (c.job() == null || c.job().isBlank() ? "" : " (job-[" + c.job() + "])")), next.version());
    }

    static Outcome applySetConfigDrift(RegistryState s, SetConfigDrift c) {
        Cluster cluster = cluster(s, c.cluster());
        Address a = required(c.instance(), "instance");
        if (cluster.groupOf(a).isEmpty()) {
            throw notFound(a.logId() + " is not an instance of " + cluster.logId());
        }
        List<ConfigDrift> items = c.drift() == null ? List.of() : c.drift();
        if (items.size() > MAX_DRIFT_ITEMS) {
            throw invalid("at most " + MAX_DRIFT_ITEMS + " drifted parameters per instance, got " + items.size());
        }
        List<ConfigDrift> was = cluster.config().drift().getOrDefault(a.toString(), List.of());
        if (sameDrift(was, items)) {
            return ok(s, cluster.version());
        }
        Cluster next = cluster.withConfig(cluster.config().withDrift(a.toString(), items));
        RegistryState s2 = s.withCluster(next);
        if (items.isEmpty()) {
            s2 = s2.withEvent(cluster.name(), c.atMillis(), "-config-drift", a.logId(),
                    "its managed parameters match config version " + cluster.config().rolledOut() + " again");
        } else {
            s2 = s2.withEvent(cluster.name(), c.atMillis(), "+config-drift", a.logId(), items.stream()
                    .map(d -> d.param() + " is " + d.actual() + ", config version " + cluster.config().rolledOut()
                            + " says " + d.expected())
                    .collect(Collectors.joining("; ")));
        }
        return ok(s2, next.version());
    }

    private static boolean sameDrift(List<ConfigDrift> a, List<ConfigDrift> b) {
        Set<String> x = new TreeSet<>();
        a.forEach(d -> x.add(d.param() + "=" + d.actual() + "/" + d.expected()));
        Set<String> y = new TreeSet<>();
        b.forEach(d -> y.add(d.param() + "=" + d.actual() + "/" + d.expected()));
        return x.equals(y);
    }

    static Outcome applyPatchPolicy(RegistryState s, PatchPolicy c) {
        Cluster cluster = cluster(s, c.cluster());
        Map<String, JsonNode> fields = jsonValues(c.fields(), "policy field");
        if (c.hasExpectation()) {
            // compare-and-set: checked here, in log order, so two changes that expect the same
            // values cannot both take effect
            List<String> differ = cluster.policy().mismatches(jsonValues(c.expect(), "expected policy field"));
            if (!differ.isEmpty()) {
                throw conflict("the policy of " + cluster.logId() + " is not as expected: " + String.join("; ", differ)
                        + "; nothing was changed: read the policy again and retry, expecting the values read");
            }
        }
        Policy policy = cluster.policy().patched(fields);
        Cluster next = cluster.withPolicy(policy);
        String what = fields.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+policy-changed", cluster.logId(), what),
                next.version());
    }

    private static Map<String, JsonNode> jsonValues(Map<String, String> texts, String what) {
        Map<String, JsonNode> values = new TreeMap<>();
        (texts == null ? Map.<String, String>of() : texts).forEach((k, v) -> {
            try {
                values.put(k, Json.mapper().readTree(v == null ? "null" : v));
            } catch (Exception e) {
                throw invalid(what + " '" + k + "': not a JSON value: " + v);
            }
        });
        return values;
    }
}
