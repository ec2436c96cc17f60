package io.cfgserver.service.configmgmt;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.command.ConfigPatch;
import io.cfgserver.registry.command.PatchConfig;
import io.cfgserver.registry.config.RedisConfig;
import io.cfgserver.registry.statemachine.Transitions;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.ConfigVersion;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.service.api.ApiError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Turns a {@code PUT /v1/clusters/{name}/config} body into a {@link PatchConfig}, or a 4xx that says what
 * to fix. Two passes, the first changing nothing anywhere:
 * <ol>
 * <li>the shape, names, owned parameters, groups, instances and nutcracker values, by applying the patch to
 *     the current state in memory (the state machine's own rules, so the messages are the ones it gives);
 * <li>every Redis value against a real Redis: on one replica of the cluster, for each (parameter, value)
 *     the current value is read, the value set, its {@code CONFIG GET} form read (that is what a rollout
 *     verifies and drift compares), and the old value set back. Redis decides what is valid, in its own
 *     words; a parameter it cannot change at run time is reported as needing a restart.
 * </ol>
 */
public final class ConfigChecker {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigChecker.class);
    private static final int TIMEOUT_MILLIS = 2000;
    private static final Set<String> LEVEL_KEYS = Set.of("redis", "nutcracker", "groups", "instances");

    private ConfigChecker() {
    }

    /** The body as a patch; 400 when its shape is wrong. */
    public static ConfigPatch parse(JsonNode body) {
        if (body == null || !body.isObject() || body.isEmpty()) {
            throw ApiError.badRequest("send a JSON object naming what to change, e.g. {\"redis\":{\"maxmemory-policy\":"
                    + "\"allkeys-lru\",\"maxmemory\":\"256mb\"},\"nutcracker\":{\"timeout\":400},\"groups\":{\"g1\":"
                    + "{\"redis\":{\"maxmemory\":\"512mb\"}}}}; null removes a field");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!LEVEL_KEYS.contains(k)) {
                throw ApiError.badRequest("unknown field '" + k + "': a config has redis, nutcracker, groups and instances");
            }
        }
        return new ConfigPatch(values(body.get("redis"), "redis", true), values(body.get("nutcracker"), "nutcracker", false),
                levels(body.get("groups"), "groups"), levels(body.get("instances"), "instances"));
    }

    private static Map<String, Map<String, String>> levels(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ApiError.badRequest(where + " must be an object, e.g. {\"" + (where.equals("groups") ? "g1"
                    : "127.0.0.1:7001") + "\":{\"redis\":{\"maxmemory\":\"512mb\"}}}");
        }
        Map<String, Map<String, String>> out = new TreeMap<>();
        node.fields().forEachRemaining(e -> {
            JsonNode level = e.getValue();
            if (level.isNull()) {
                out.put(e.getKey(), null);
                return;
            }
            if (!level.isObject() || level.size() != 1 || !level.has("redis")) {
                throw ApiError.badRequest(where + "." + e.getKey() + " must be {\"redis\":{...}} (or null to remove its"
                        + " overrides)");
            }
            out.put(e.getKey(), values(level.get("redis"), where + "." + e.getKey() + ".redis", true));
        });
        return out;
    }

    private static Map<String, String> values(JsonNode node, String where, boolean redis) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ApiError.badRequest(where + " must be an object of name: value");
        }
        Map<String, String> out = new TreeMap<>();
        node.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            String text;
            if (v.isNull()) {
                text = null;
            } else if (v.isBoolean()) {
                text = redis ? (v.asBoolean() ? "yes" : "no") : Boolean.toString(v.asBoolean());
            } else if (v.isNumber() || v.isTextual()) {
                text = v.asText();
            } else {
                throw ApiError.badRequest(where + "." + e.getKey() + " must be a string, a number or a boolean (null"
                        + " removes it), got " + v);
            }
            out.put(e.getKey(), text);
        });
        return out;
    }

    /** Checks {@code patch} and returns the command that stores it; throws a 4xx (or 503) and changes nothing. */
    public static PatchConfig check(RegistryState state, String clusterName, ConfigPatch patch, long atMillis) {
        Cluster cluster = state.cluster(clusterName).orElseThrow(() -> ApiError.notFound("cluster-[" + clusterName
                + "] does not exist: GET /v1/clusters lists them"));
        List<Map.Entry<String, String>> set = new ArrayList<>();
        patch.redis().forEach((k, v) -> add(set, k, v));
        patch.groups().values().forEach(m -> {
            if (m != null) {
                m.forEach((k, v) -> add(set, k, v));
            }
        });
        patch.instances().values().forEach(m -> {
            if (m != null) {
                m.forEach((k, v) -> add(set, k, v));
            }
        });
        // pass 1: the state machine's rules, in memory, with stand-ins for the CONFIG GET forms
        Map<String, String> standIns = new TreeMap<>();
        set.forEach(e -> standIns.put(ConfigVersion.canonicalKey(e.getKey(), e.getValue()), e.getValue()));
        Transitions.Outcome dry = Transitions.apply(state, new PatchConfig(clusterName, patch, standIns, atMillis));
        if (!dry.result().ok()) {
            throw switch (dry.result().code()) {
                case NOT_FOUND -> ApiError.notFound(dry.result().message());
                case CONFLICT -> ApiError.fail(409, "conflict", dry.result().message());
                case INVALID -> ApiError.invalid(dry.result().message());
            };
        }
        // pass 2: every value against a real Redis
        Map<String, String> canonical = set.isEmpty() ? Map.of() : checkOnReplica(cluster, set);
        return new PatchConfig(clusterName, patch, canonical, atMillis);
    }

    private static void add(List<Map.Entry<String, String>> set, String k, String v) {
        if (v != null && set.stream().noneMatch(e -> e.getKey().equals(k) && e.getValue().equals(v))) {
            set.add(Map.entry(k, v));
        }
    }

    private static Map<String, String> checkOnReplica(Cluster cluster, List<Map.Entry<String, String>> set) {
        List<String> tried = new ArrayList<>();
        for (Instance r : cluster.groups().stream().flatMap(g -> g.replicas().stream())
                .filter(i -> !i.banned() && !i.stale()).toList()) {
            try (Jedis j = connect(r.address())) {
                j.ping();
                return checkOn(j, r.address(), set);
            } catch (redis.clients.jedis.exceptions.JedisException e) {
                // unreachable, or refusing the check itself (CONFIG renamed, NOAUTH): the next replica
                tried.add(r.address() + " (" + e.getMessage() + ")");
            }
        }
        throw ApiError.fail(503, "no-replica", "config values are checked with CONFIG SET on a replica of "
                + cluster.logId() + " before anything is stored, and none answers" + (tried.isEmpty()
                        ? " (it has no replica: add one with an add-replica job)" : ": tried " + tried)
                + "; nothing was stored");
    }

    private static Map<String, String> checkOn(Jedis j, Address at, List<Map.Entry<String, String>> set) {
        Set<String> params = new TreeSet<>();
        set.forEach(e -> params.add(e.getKey()));
        Map<String, String> before = RedisConfig.read(j, params);
        List<String> problems = new ArrayList<>();
        for (String p : params) {
            if (!before.containsKey(p)) {
                problems.add("redis." + p + ": Redis knows no parameter '" + p + "' (CONFIG GET " + p + " is empty)");
            }
        }
        Map<String, String> canonical = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : set) {
            String p = e.getKey();
            if (!before.containsKey(p)) {
                continue;
            }
            try {
                j.configSet(p, e.getValue());
                canonical.put(ConfigVersion.canonicalKey(p, e.getValue()), RedisConfig.read(j, List.of(p)).get(p));
            } catch (JedisDataException x) {
                String why = x.getMessage();
                problems.add(why != null && why.contains("immutable")
                        ? "redis." + p + " cannot be changed at run time (CONFIG SET answers: " + why + "): a restart is"
                                + " needed, so cfgserver does not manage it; set it in the instances' redis.conf"
                        : "redis." + p + "=" + e.getValue() + " is refused by Redis: " + why);
            } finally {
                restore(j, at, p, before.get(p));
            }
        }
        if (!problems.isEmpty()) {
            throw ApiError.invalid(String.join("; ", problems) + " (checked on " + at.logId() + "; nothing was stored)");
        }
        return canonical;
    }

    /** Sets a checked parameter back; over a fresh connection when the first one broke mid-check. */
    private static void restore(Jedis j, Address at, String p, String value) {
        try {
            j.configSet(p, value);
            return;
        } catch (redis.clients.jedis.exceptions.JedisConnectionException x) {
            try (Jedis fresh = connect(at)) {
                fresh.configSet(p, value);
                return;
            } catch (redis.clients.jedis.exceptions.JedisException y) {
                LOG.error("could not set {} back to '{}' on {} after checking a value (drift checks report it): {}",
                        p, value, at, y.getMessage());
            }
        } catch (redis.clients.jedis.exceptions.JedisException x) {
            LOG.error("could not set {} back to '{}' on {} after checking a value (drift checks report it): {}", p,
                    value, at, x.getMessage());
        }
    }

    private static Jedis connect(Address a) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(TIMEOUT_MILLIS).socketTimeoutMillis(TIMEOUT_MILLIS)
                .protocol(RedisProtocol.RESP2).build());
    }
}
