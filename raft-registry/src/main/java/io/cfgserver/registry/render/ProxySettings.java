package io.cfgserver.registry.render;

import com.fasterxml.jackson.annotation.JsonCreator;
import io.cfgserver.registry.topology.InvalidTopologyException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-proxy nutcracker settings that are not topology: timeouts and connection counts. An agent
 * starts from its own (agent.yml {@code settings}, else {@link #defaults()}) and renders the cluster's
 * config over them ({@link #overlay}, keyed by nutcracker's own names, docs/config.md).
 *
 * @param timeoutMillis             nutcracker {@code timeout}: server I/O timeout
 * @param serverRetryTimeoutMillis  {@code server_retry_timeout}
 * @param serverFailureLimit        {@code server_failure_limit} (ejection is off, so this only
 *                                  paces reconnects)
 * @param serverConnections         {@code server_connections} per server line
 * @param preconnect                {@code preconnect}
 * @param backlog                   {@code backlog} of the listen socket
 * @param clientConnections         {@code client_connections}: most client connections (0: no limit, not rendered)
 */
public record ProxySettings(int timeoutMillis, int serverRetryTimeoutMillis, int serverFailureLimit,
        int serverConnections, boolean preconnect, int backlog, int clientConnections) {

    /** The settings a cluster's config may name (nutcracker's names) and what each takes. */
    public static final Map<String, String> KEYS = keys();

    @JsonCreator
    public ProxySettings {
    }

    public ProxySettings(int timeoutMillis, int serverRetryTimeoutMillis, int serverFailureLimit, int serverConnections,
            boolean preconnect, int backlog) {
        this(timeoutMillis, serverRetryTimeoutMillis, serverFailureLimit, serverConnections, preconnect, backlog, 0);
    }

    public static ProxySettings defaults() {
        return new ProxySettings(1000, 200, 1, 1, true, 1024, 0);
    }

    private static Map<String, String> keys() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("timeout", "milliseconds, 1-600000");
        m.put("server_retry_timeout", "milliseconds, 1-600000");
        m.put("server_failure_limit", "a whole number >= 1");
        m.put("server_connections", "a whole number, 1-64");
        m.put("backlog", "a whole number >= 1");
        m.put("client_connections", "a whole number >= 0 (0: no limit)");
        m.put("preconnect", "true or false");
        return Collections.unmodifiableMap(m);
    }

    /**
     * These settings with {@code config}'s over them. Throws {@link InvalidTopologyException} naming
     * each unknown key or bad value.
     */
    public ProxySettings overlay(Map<String, String> config) {
        List<String> p = new ArrayList<>();
        for (String k : new TreeMap<>(config).keySet()) {
            if (!KEYS.containsKey(k)) {
                p.add("unknown nutcracker setting '" + k + "'; known: " + String.join(", ", KEYS.keySet()));
            }
        }
        int timeout = number(config, "timeout", timeoutMillis, p);
        int retry = number(config, "server_retry_timeout", serverRetryTimeoutMillis, p);
        int failures = number(config, "server_failure_limit", serverFailureLimit, p);
        int connections = number(config, "server_connections", serverConnections, p);
        int backlogValue = number(config, "backlog", backlog, p);
        int clients = number(config, "client_connections", clientConnections, p);
        boolean pre = preconnect;
        String v = config.get("preconnect");
        if (v != null) {
            if (v.equals("true") || v.equals("false")) {
                pre = Boolean.parseBoolean(v);
            } else {
                p.add("nutcracker setting 'preconnect' must be true or false, got " + v);
            }
        }
        ProxySettings next = new ProxySettings(timeout, retry, failures, connections, pre, backlogValue, clients);
        if (p.isEmpty()) {
            // name the settings by nutcracker's names, as the config does
            next.problems().forEach(x -> p.add(x.replace("timeoutMillis", "timeout")
                    .replace("serverRetryTimeoutMillis", "server_retry_timeout").replace("serverFailureLimit",
                            "server_failure_limit").replace("serverConnections", "server_connections")
                    .replace("clientConnections", "client_connections")));
        }
        if (!p.isEmpty()) {
            throw new InvalidTopologyException(String.join("; ", p));
        }
        return next;
    }

    private static int number(Map<String, String> config, String key, int otherwise, List<String> problems) {
        String v = config.get(key);
        if (v == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            problems.add("nutcracker setting '" + key + "' must be " + KEYS.get(key) + ", got " + v);
            return otherwise;
        }
    }

    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (timeoutMillis < 1 || timeoutMillis > 600_000) {
            p.add("timeoutMillis must be between 1 and 600000, got " + timeoutMillis);
        }
        if (serverRetryTimeoutMillis < 1 || serverRetryTimeoutMillis > 600_000) {
            p.add("serverRetryTimeoutMillis must be between 1 and 600000, got " + serverRetryTimeoutMillis);
        }
        if (serverFailureLimit < 1) {
            p.add("serverFailureLimit must be >= 1, got " + serverFailureLimit);
        }
        if (serverConnections < 1 || serverConnections > 64) {
            p.add("serverConnections must be between 1 and 64, got " + serverConnections);
        }
        if (backlog < 1) {
            p.add("backlog must be >= 1, got " + backlog);
        }
        if (clientConnections < 0) {
            p.add("clientConnections must be >= 0, got " + clientConnections);
        }
        return p;
    }

    public ProxySettings validated() {
        List<String> p = problems();
        if (!p.isEmpty()) {
            throw new InvalidTopologyException("proxy settings are invalid: " + String.join("; ", p));
        }
        return this;
    }
}
