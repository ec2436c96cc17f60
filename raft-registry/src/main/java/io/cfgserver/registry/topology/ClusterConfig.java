package io.cfgserver.registry.topology;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A cluster's desired settings: the versions kept (oldest first, at most {@link #MAX_VERSIONS}, the
 * rolled-out one always among them), the version last rolled out to every instance and proxy
 * ({@code rolledOut}, 0 before the first rollout), and the drift the controller last saw per
 * instance address.
 */
public record ClusterConfig(List<ConfigVersion> versions, long rolledOut, Map<String, List<ConfigDrift>> drift) {
    public static final int MAX_VERSIONS = 50;

    @JsonCreator
    public ClusterConfig {
        versions = versions == null ? List.of() : List.copyOf(versions);
        Map<String, List<ConfigDrift>> d = new TreeMap<>();
        if (drift != null) {
            drift.forEach((k, v) -> d.put(k, List.copyOf(v)));
        }
        drift = Collections.unmodifiableMap(d);
    }

    public static ClusterConfig empty() {
        return new ClusterConfig(List.of(), 0, Map.of());
    }

    /** The newest version ({@link ConfigVersion#EMPTY} when none was ever stored). */
    @JsonIgnore
    public ConfigVersion current() {
        return versions.isEmpty() ? ConfigVersion.EMPTY : versions.get(versions.size() - 1);
    }

    public Optional<ConfigVersion> version(long n) {
        if (n == 0) {
            return Optional.of(ConfigVersion.EMPTY);
        }
        return versions.stream().filter(v -> v.version() == n).findFirst();
    }

    /** The version rolled out last ({@link ConfigVersion#EMPTY} before the first rollout). */
    @JsonIgnore
    public ConfigVersion rolledOutVersion() {
        return version(rolledOut).orElse(ConfigVersion.EMPTY);
    }

    /** Appends {@code v}, dropping the oldest versions beyond {@link #MAX_VERSIONS} (never the rolled-out one). */
    public ClusterConfig plus(ConfigVersion v) {
        List<ConfigVersion> next = new ArrayList<>(versions);
        next.add(v);
        while (next.size() > MAX_VERSIONS) {
            ConfigVersion oldest = next.get(0).version() == rolledOut && next.size() > 1 ? next.get(1) : next.get(0);
            next.remove(oldest);
        }
        return new ClusterConfig(next, rolledOut, drift);
    }

    public ClusterConfig withRolledOut(long version) {
        return new ClusterConfig(versions, version, drift);
    }

    public ClusterConfig withDrift(String instance, List<ConfigDrift> items) {
        Map<String, List<ConfigDrift>> d = new TreeMap<>(drift);
        if (items == null || items.isEmpty()) {
            d.remove(instance);
        } else {
            d.put(instance, items);
        }
        return new ClusterConfig(versions, rolledOut, d);
    }
}
