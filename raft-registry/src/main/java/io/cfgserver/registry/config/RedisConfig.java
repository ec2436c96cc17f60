package io.cfgserver.registry.config;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import redis.clients.jedis.Jedis;

/**
 * How cfgserver sets and reads managed Redis parameters, the same for a rollout, a drift repair, a
 * promotion and a new replica: {@code CONFIG SET} of every pair in one call (all or none in Redis 7),
 * then {@code CONFIG REWRITE} when the instance was started from a file, so a restart keeps them.
 */
public final class RedisConfig {
    private RedisConfig() {
    }

    /** Whether the instance may keep the values across a restart: it was started from a config file. */
    public enum Persisted {
        REWRITTEN, NO_CONFIG_FILE;

        public String describe() {
            return this == REWRITTEN ? "written to its config file (CONFIG REWRITE)"
                    : "not persisted: it was started without a config file, a restart loses the values";
        }
    }

    /** Sets {@code values} and persists them where the instance has a file; throws Jedis' error when refused. */
    public static Persisted apply(Jedis j, Map<String, String> values) {
        if (!values.isEmpty()) {
            j.configSet(new TreeMap<>(values));
        }
        if (!hasConfigFile(j.info("server"))) {
            return Persisted.NO_CONFIG_FILE;
        }
        if (!values.isEmpty()) {
            j.configRewrite();
        }
        return Persisted.REWRITTEN;
    }

    /** {@code CONFIG GET} of each parameter in one call; a parameter Redis does not know is absent. */
    public static Map<String, String> read(Jedis j, Collection<String> params) {
        if (params.isEmpty()) {
            return Map.of();
        }
        return new TreeMap<>(j.configGet(params.toArray(String[]::new)));
    }

    /** The parameters of {@code expected} whose value in {@code actual} differs (or is missing). */
    public static Map<String, String> differing(Map<String, String> expected, Map<String, String> actual) {
        Map<String, String> d = new TreeMap<>();
        expected.forEach((k, v) -> {
            if (!v.equals(actual.get(k))) {
                d.put(k, actual.getOrDefault(k, "(unknown parameter)"));
            }
        });
        return d;
    }

    /** Whether {@code INFO server} names a config file ({@code config_file:} with a path). */
    public static boolean hasConfigFile(String infoServer) {
        for (String line : infoServer.split("\r?\n")) {
            if (line.startsWith("config_file:")) {
                return !line.substring("config_file:".length()).isBlank();
            }
        }
        return false;
    }
}
