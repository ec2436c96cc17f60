package io.cfgserver.service.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The agent's {@code GET /metrics} in the Prometheus text format: what the agent counts about itself
 * (renewals, registry failures, nutcracker restarts, refused configs, fences), its state (served
 * version, lease left, managed or not, fenced groups, nutcracker up), and nutcracker's own counters
 * from its stats port, per pool and per server line ({@code s0000}, ... — the runs of the slot map).
 * Off unless {@code metrics.port} is set; binds {@code metrics.bindHost} (loopback by default).
 */
public final class AgentMetricsServer implements AutoCloseable {
    /** nutcracker's per-pool counters (the rest of a pool's fields are its servers). */
    private static final Set<String> POOL_COUNTERS = Set.of("client_eof", "client_err", "forward_error", "fragments",
            "server_ejects");
    private static final Set<String> POOL_GAUGES = Set.of("client_connections");
    private static final Set<String> SERVER_COUNTERS = Set.of("server_eof", "server_err", "server_timedout", "requests",
            "request_bytes", "responses", "response_bytes");
    private static final Set<String> SERVER_GAUGES = Set.of("server_connections", "in_queue", "in_queue_bytes", "out_queue",
            "out_queue_bytes");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;

    private AgentMetricsServer(HttpServer server) {
        this.server = server;
    }

    /** Starts serving; {@code clock} gives epoch milliseconds (for the lease left). */
    public static AgentMetricsServer start(String bindHost, int port, String cluster, String proxyId, ProxyAgent agent,
            int statsPort, LongSupplier clock) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(bindHost, port), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "agent-metrics");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/metrics", exchange -> {
            byte[] body;
            int status = 200;
            if (!"GET".equals(exchange.getRequestMethod())) {
                status = 405;
                body = "GET only\n".getBytes(StandardCharsets.UTF_8);
            } else {
                body = render(cluster, proxyId, agent.counters(), agent.state(), () -> readStats(statsPort), clock.getAsLong())
                        .getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return new AgentMetricsServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** nutcracker's stats port answers one JSON document and closes; null when it does not answer. */
    static JsonNode readStats(int statsPort) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", statsPort), 300);
            s.setSoTimeout(500);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) >= 0 && buf.size() < 4 * 1024 * 1024) {
                buf.write(chunk, 0, n);
            }
            return JSON.readTree(buf.toByteArray());
        } catch (IOException e) {
            return null;
        }
    }

    /** The exposition text. A pure function of what it is given (tested without processes). */
    static String render(String cluster, String proxyId, AgentCounters c, ProxyAgent.State st, Supplier<JsonNode> stats,
            long nowMillis) {
        StringBuilder out = new StringBuilder();
        String labels = "cluster=\"" + esc(cluster) + "\",proxy=\"" + esc(proxyId) + "\"";
        counter(out, "cfgserver_agent_renewals_total", "Lease renewals the registry accepted.", labels, c.renewals.get());
        counter(out, "cfgserver_agent_registry_failures_total",
                "Registry calls (renewal or watch) that failed: no peer answered in time.", labels, c.registryFailures.get());
        counter(out, "cfgserver_agent_nutcracker_restarts_total", "nutcracker started on a new config.", labels,
                c.nutcrackerRestarts.get());
        counter(out, "cfgserver_agent_configs_refused_total",
                "Rendered configs refused (by nutcracker or the renderer); the running config stayed.", labels,
                c.configsRefused.get());
        counter(out, "cfgserver_agent_groups_fenced_total",
                "Groups fenced because their data-plane evidence failed while the registry was unreachable.", labels,
                c.groupsFenced.get());
        counter(out, "cfgserver_agent_proxy_fences_total",
                "Strict fencing: nutcracker stopped because the lease ended.", labels, c.proxyFences.get());
        gauge(out, "cfgserver_agent_served_version", "The topology version nutcracker serves.", labels, st.servedVersion());
        gauge(out, "cfgserver_agent_lease_remaining_seconds", "Time left on the lease (0 once it ended).", labels,
                Math.max(0, st.leaseEndMillis() - nowMillis) / 1000.0);
        gauge(out, "cfgserver_agent_managed", "1 while the registry answers, 0 while serving the last map without it.",
                labels, st.managed() ? 1 : 0);
        gauge(out, "cfgserver_agent_fenced_groups", "Groups routed to the fence now.", labels, st.fencedGroups());
        gauge(out, "cfgserver_agent_nutcracker_up", "1 while nutcracker runs.", labels, st.nutcrackerUp() ? 1 : 0);

        JsonNode s = stats.get();
        gauge(out, "cfgserver_nutcracker_stats_up", "1 when nutcracker's stats port answered this scrape.", labels,
                s == null ? 0 : 1);
        if (s == null) {
            return out.toString();
        }
        // every sample of a family together, one TYPE line each (the exposition format's rule)
        Map<String, StringBuilder> families = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> pool = it.next();
            if (!pool.getValue().isObject()) {
                if (pool.getKey().equals("curr_connections")) {
                    add(families, "cfgserver_nutcracker_connections gauge", labels, pool.getValue().asLong());
                } else if (pool.getKey().equals("total_connections")) {
                    add(families, "cfgserver_nutcracker_connections_total counter", labels, pool.getValue().asLong());
                }
                continue; // service, source, version, uptime, timestamp: not a pool
            }
            String pl = labels + ",pool=\"" + esc(pool.getKey()) + "\"";
            for (Iterator<Map.Entry<String, JsonNode>> f = pool.getValue().fields(); f.hasNext();) {
                Map.Entry<String, JsonNode> e = f.next();
                if (e.getValue().isObject()) {
                    String sl = pl + ",server=\"" + esc(e.getKey()) + "\"";
                    for (Iterator<Map.Entry<String, JsonNode>> v = e.getValue().fields(); v.hasNext();) {
                        Map.Entry<String, JsonNode> m = v.next();
                        if (SERVER_COUNTERS.contains(m.getKey())) {
                            add(families, "cfgserver_nutcracker_server_" + strip(m.getKey()) + "_total counter", sl,
                                    m.getValue().asLong());
                        } else if (SERVER_GAUGES.contains(m.getKey())) {
                            add(families, "cfgserver_nutcracker_server_" + strip(m.getKey()) + " gauge", sl, m.getValue().asLong());
                        }
                    }
                } else if (POOL_COUNTERS.contains(e.getKey())) {
                    add(families, "cfgserver_nutcracker_pool_" + e.getKey() + "_total counter", pl, e.getValue().asLong());
                } else if (POOL_GAUGES.contains(e.getKey())) {
                    add(families, "cfgserver_nutcracker_pool_" + e.getKey() + " gauge", pl, e.getValue().asLong());
                }
            }
        }
        families.forEach((family, samples) -> out.append("# TYPE ").append(family).append('\n').append(samples));
        return out.toString();
    }

    /** {@code family} is "name type"; the samples go under it. */
    private static void add(Map<String, StringBuilder> families, String family, String labels, long value) {
        sample(families.computeIfAbsent(family, k -> new StringBuilder()), family.substring(0, family.indexOf(' ')), labels,
                value);
    }

    /** {@code server_eof} becomes {@code eof}: the metric name already says server. */
    private static String strip(String field) {
        return field.startsWith("server_") ? field.substring("server_".length()) : field;
    }

    private static void counter(StringBuilder out, String name, String help, String labels, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        sample(out, name, labels, value);
    }

    private static void gauge(StringBuilder out, String name, String help, String labels, double value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, long value) {
        out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private static String esc(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
