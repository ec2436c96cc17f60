package io.cfgserver.registry.command;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The change a {@code PUT /v1/clusters/{name}/config} asks for: each map names the fields to set;
 * a {@code null} value removes one ({@code groups}/{@code instances}: a {@code null} level removes
 * that group's or instance's overrides altogether). Values are strings, as {@code CONFIG SET}
 * takes them.
 */
public record ConfigPatch(
        Map<String, String> redis,
        Map<String, String> nutcracker,
        Map<String, Map<String, String>> groups,
        Map<String, Map<String, String>> instances) {

    @JsonCreator
    public ConfigPatch {
        redis = keepNulls(redis);
        nutcracker = keepNulls(nutcracker);
        groups = nested(groups);
        instances = nested(instances);
    }

    /** A copy that keeps null values (they mean "remove"), sorted for a deterministic log. */
    static Map<String, String> keepNulls(Map<String, String> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(m));
    }

    private static Map<String, Map<String, String>> nested(Map<String, Map<String, String>> m) {
        if (m == null) {
            return Map.of();
        }
        Map<String, Map<String, String>> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v == null ? null : keepNulls(v)));
        return Collections.unmodifiableMap(out);
    }

    public boolean isEmpty() {
        return redis.isEmpty() && nutcracker.isEmpty() && groups.isEmpty() && instances.isEmpty();
    }
}
