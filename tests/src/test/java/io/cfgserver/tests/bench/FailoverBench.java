package io.cfgserver.tests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.render.ProxySettings;
import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.SlotRange;
import io.cfgserver.service.agent.AgentConfig;
import io.cfgserver.service.agent.ProxyAgent;
import io.cfgserver.testing.RedisProcess;
import io.cfgserver.tests.support.AgentProcess;
import io.cfgserver.tests.support.ProxyWriter;
import io.cfgserver.tests.support.Http;
import io.cfgserver.tests.support.LoopbackPorts;
import io.cfgserver.tests.support.NetLab;
import io.cfgserver.tests.support.NutcrackerProcess;
import io.cfgserver.tests.support.ServiceCluster;
import io.cfgserver.tests.support.ServiceProcess;
import io.cfgserver.tests.support.TcpRelay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;

/**
 * tests/bench/failover.sh: unplanned failover of a master behind twemproxy, cfgserver against
 * Redis Sentinel + a nutcracker-rewriting agent, on the same topology (2 groups of 1 master + 2
 * replicas, one nutcracker), with the same writer and the same faults. See the script's header for
 * what is measured and how the partition is built.
 */
public final class FailoverBench {
    static final List<String> GROUPS = List.of("g1", "g2");
    static final long DOWN_AFTER_MS = 1000;
    static final long SENTINEL_FAILOVER_TIMEOUT_MS = 10_000;
    static final long WRITE_PERIOD_MICROS = 1000;
    static final Deque<AutoCloseable> CLEANUP = new ConcurrentLinkedDeque<>();

    private FailoverBench() {
    }

    // ---- topology: redis nodes on loopback, behind control-path relays, or in lab hosts -----------

    /**
     * One redis-server; {@code ctl} is the address the control plane and the replicas use: its own
     * (loopback or its lab host's), or its control-path relay's.
     */
    static final class Node {
        final RedisProcess redis;
        final TcpRelay relay;
        /** The network namespace it runs in (netns partition topology), else null. */
        final NetLab.Host host;

        Node(RedisProcess redis, TcpRelay relay, NetLab.Host host) {
            this.redis = redis;
            this.relay = relay;
            this.host = host;
        }

        String ctl() {
            return relay == null ? redis.address() : relay.address();
        }

        String ctlHost() {
            return ctl().substring(0, ctl().lastIndexOf(':'));
        }

        int ctlPort() {
            return relay == null ? redis.port() : relay.port();
        }

        @Override
        public String toString() {
            return relay == null ? redis.address() : relay.address() + "(->" + redis.port() + ")";
        }
    }

    /** How a topology's redis-servers are reached. */
    enum Net {
        /** every redis on 127.0.0.1, reached directly (kill rounds) */
        LOOPBACK,
        /** on 127.0.0.1, everyone but nutcracker through a control-path relay (--partition-mode cut|blackhole) */
        RELAY,
        /** each in a lab host of its own, reached directly at its namespace's address (--partition-mode netns) */
        NETNS
    }

    /**
     * Starts 2 groups of 1 master + 2 replicas; with relays, everyone but nutcracker goes through them;
     * in lab hosts, named {@code <hostPrefix><group>-<i>}.
     */
    static Map<String, List<Node>> startTopology(Path dir, Net net, String hostPrefix) {
        Map<String, List<Node>> groups = new LinkedHashMap<>();
        for (String g : GROUPS) {
            List<Node> nodes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                NetLab.Host host = net == Net.NETNS ? lab.host(hostPrefix + g + "-" + i) : null;
                RedisProcess r = host == null ? RedisProcess.start(dir.resolve(g)) : RedisProcess.start(dir.resolve(g), host.placement());
                CLEANUP.push(r);
                TcpRelay relay = null;
                if (net == Net.RELAY) {
                    relay = TcpRelay.start(r.port());
                    CLEANUP.push(relay);
                    try (Jedis j = r.jedis()) {   // replicas announce their control-path port to the master
                        j.configSet("replica-announce-port", Integer.toString(relay.port()));
                    }
                }
                nodes.add(new Node(r, relay, host));
            }
            for (Node replica : nodes.subList(1, 3)) {
                try (Jedis j = replica.redis.jedis()) {
                    j.replicaof(nodes.get(0).ctlHost(), nodes.get(0).ctlPort());
                }
            }
            groups.put(g, nodes);
        }
        for (List<Node> nodes : groups.values()) {
            await("replication of " + nodes, 30_000, () -> redisHealthy(nodes.get(0), nodes.subList(1, 3)));
        }
        return groups;
    }

    static Node node(Map<String, List<Node>> groups, String ctl) {
        return groups.values().stream().flatMap(List::stream).filter(n -> n.ctl().equals(ctl)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no node with address " + ctl));
    }

    /** Master is a master with 2 online replicas; each replica follows it (by its control host and port) with its link up. */
    static boolean redisHealthy(Node master, List<Node> replicas) {
        try {
            Map<String, String> m = info(master.redis);
            if (!"master".equals(m.get("role")) || Integer.parseInt(m.getOrDefault("connected_slaves", "0")) < replicas.size()) {
                return false;
            }
            long online = m.entrySet().stream().filter(e -> e.getKey().matches("slave\\d+") && e.getValue().contains("state=online")).count();
            if (online < replicas.size()) {
                return false;
            }
            for (Node r : replicas) {
                Map<String, String> i = info(r.redis);
                if (!"slave".equals(i.get("role")) || !Integer.toString(master.ctlPort()).equals(i.get("master_port"))
                        || !master.ctlHost().equals(i.get("master_host"))
                        || !"up".equals(i.get("master_link_status"))) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static Map<String, String> info(RedisProcess r) {
        try (Jedis j = r.jedis()) {
            Map<String, String> m = new HashMap<>();
            for (String line : j.info("replication").split("\r?\n")) {
                int c = line.indexOf(':');
                if (c > 0) {
                    m.put(line.substring(0, c), line.substring(c + 1));
                }
            }
            return m;
        }
    }

    /**
     * A nutcracker wrapper for the partition phase: nutcracker reaches every redis directly (data
     * path) while the registry / Sentinel know each one by its control-path relay address. The
     * wrapper rewrites each relay port to its redis port in the config nutcracker is given, then
     * execs the real nutcracker (same pid, so signals and pid files work unchanged).
     */
    static String dataPathWrapper(Path dir, Map<String, List<Node>> groups) throws IOException {
        Files.createDirectories(dir);
        StringBuilder sed = new StringBuilder();
        for (List<Node> nodes : groups.values()) {
            for (Node n : nodes) {
                sed.append("s/127\\.0\\.0\\.1:").append(n.relay.port()).append(":/127.0.0.1:").append(n.redis.port())
                        .append(":/g\n");
            }
        }
        Path map = dir.resolve("data-path.sed");
        Files.writeString(map, sed.toString());
        Path wrapper = dir.resolve("nutcracker-data-path.sh");
        Files.writeString(wrapper, """
                #!/bin/bash
                # bench data path: the config names redis by its control-path relay; nutcracker connects directly.
                args=()
                while (( $# )); do
                  if [[ $1 == -c ]]; then
                    sed -f '%s' "$2" > "$2.direct"
                    args+=(-c "$2.direct"); shift 2
                  else
                    args+=("$1"); shift
                  fi
                done
                exec '%s' "${args[@]}"
                """.formatted(map, NutcrackerProcess.binary()));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        return wrapper.toString();
    }

    /**
     * A nutcracker "binary" that runs the real one in {@code host}'s network namespace: {@code exec ip
     * netns exec <ns> nutcracker "$@"} (ip netns exec does not fork, so the pid the caller holds is
     * nutcracker's: signals work unchanged). For the baseline agent, which starts nutcracker from the
     * bench JVM (outside) and PINGs it at the proxy host's address.
     */
    static String netnsWrapper(Path dir, NetLab.Host host) throws IOException {
        Files.createDirectories(dir);
        Path wrapper = dir.resolve("nutcracker-in-" + host.name() + ".sh");
        Files.writeString(wrapper, """
                #!/bin/bash
                # bench: nutcracker in the proxy's network namespace (%s), same pid after exec
                exec ip netns exec '%s' '%s' "$@"
                """.formatted(host, host.namespace(), NutcrackerProcess.binary()));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        return wrapper.toString();
    }

    // ---- the two control planes ----------------------------------------------------------------

    /** What the rounds need from cfgserver or from the Sentinel baseline. */
    interface Plane extends AutoCloseable {
        String name();

        /** The address twemproxy listens on: 127.0.0.1, or the proxy's lab host. */
        String proxyHost();

        int proxyPort();

        SlotMap slots();

        String master(String group);

        void beforeRound(String group);

        /** Waits until the group has a new master and the proxy uses it; returns the breakdown (ms). */
        Map<String, Long> awaitFailover(String group, String oldMaster, long faultNanos, long faultMillis, long timeoutMs);

        void awaitHealthy(String group, long timeoutMs);

        /** Diagnostics printed when a round fails. */
        String diagnostics(String group);

        @Override
        void close();
    }

    static final class CfgPlane implements Plane {
        private final Http http;
        private final String base;
        private final String cluster;
        private final Map<String, List<Node>> groups;
        private final int proxyPort = LoopbackPorts.next();
        private final String proxyHost;
        private final SlotMap slots;
        /** The in-process agent (loopback proxy), or null with an agent process in a lab host. */
        private final ProxyAgent agent;
        private final Thread agentThread;
        private final AgentProcess agentProcess;
        private long lastSeq;

        /**
         * {@code proxyAt} null: the agent runs in the bench JVM and starts {@code binary} listening on
         * 127.0.0.1. Otherwise the agent runs as its own process ({@code cfgserver agent}) in that lab
         * host, with its nutcracker, listening on the host's address. It cannot run in-process there:
         * before it first serves a config the agent binds a probe socket on the listen host in its own
         * JVM (Nutcracker.trial), and the bench JVM is outside the namespace that holds that address.
         */
        CfgPlane(ServiceCluster registry, Path dir, String cluster, Map<String, List<Node>> groups, String binary,
                NetLab.Host proxyAt) throws Exception {
            this.proxyHost = proxyAt == null ? "127.0.0.1" : proxyAt.ip();
            this.http = registry.http();
            this.base = registry.any().baseUrl();
            this.cluster = cluster;
            this.groups = groups;
            List<Map<String, Object>> gs = new ArrayList<>();
            for (Map.Entry<String, List<Node>> e : groups.entrySet()) {
                gs.add(Map.of("id", e.getKey(), "master", e.getValue().get(0).ctl(),
                        "replicas", e.getValue().subList(1, 3).stream().map(Node::ctl).toList()));
            }
            http.post(base + "/v1/clusters", Map.of("name", cluster, "groups", gs,
                    "proxies", List.of(Map.of("id", "p1", "listen", proxyHost + ":" + proxyPort)))).expect(201);
            http.put(base + "/v1/clusters/" + cluster + "/policy", Map.of("downAfterMillis", DOWN_AFTER_MS,
                    "maxFailoversPerWindow", 1000)).expect(200);
            List<SlotRange> runs = new ArrayList<>();
            for (JsonNode r : http.get(base + "/v1/clusters/" + cluster + "/slots").expect(200).json()) {
                runs.add(new SlotRange(r.get("from").asInt(), r.get("to").asInt(), r.get("group").asText()));
            }
            this.slots = SlotMap.of(runs);
            if (proxyAt != null) {
                agent = null;
                agentThread = null;
                agentProcess = new AgentProcess(dir.resolve("agent"), cluster, "p1",
                        registry.peers().stream().map(ServiceProcess::baseUrl).toList(), registry.token(), 3000)
                        .placedAt(proxyAt.placement());
                CLEANUP.push(agentProcess);
                agentProcess.start();
                try {
                    awaitReady(registry);
                } catch (RuntimeException | Error e) {
                    System.out.println("agent in " + proxyAt + ":\n" + agentProcess.logTail());
                    closeAgent();
                    throw e;
                }
                return;
            }
            agentProcess = null;
            AgentConfig c = new AgentConfig();
            c.cluster = cluster;
            c.proxyId = "p1";
            c.registry = registry.peers().stream().map(ServiceProcess::baseUrl).toList();
            c.token = registry.token();
            c.leaseMillis = 3000;
            c.settings = ProxySettings.defaults();
            c.nutcracker.binary = binary;
            c.nutcracker.workDir = dir.resolve("agent").toString();
            c.nutcracker.statsPort = LoopbackPorts.next();
            agent = new ProxyAgent(c);
            agentThread = new Thread(() -> {
                try {
                    agent.run();
                } catch (Exception e) {
                    System.err.println("agent stopped: " + e);
                }
            }, "agent-" + cluster);
            agentThread.setDaemon(true);
            agentThread.start();
            try {
                awaitReady(registry);
            } catch (RuntimeException | Error e) {
                closeAgent();
                throw e;
            }
        }

        private void awaitReady(ServiceCluster registry) {
            long version = http.get(base + "/v1/clusters/" + cluster).expect(200).json().at("/cluster/version").asLong();
            await("proxy p1 serving version " + version, 60_000, () -> {
                for (JsonNode p : http.get(base + "/v1/clusters/" + cluster + "/proxies").expect(200).json()) {
                    if (p.at("/proxy/servedVersion").asLong() >= version && BaselineAgent.ping(proxyHost, proxyPort)) {
                        return true;
                    }
                }
                return false;
            });
            for (String g : groups.keySet()) {
                awaitHealthy(g, 60_000);
            }
            lastSeq = lastSeq();
        }

        private long lastSeq() {
            long max = 0;
            for (JsonNode e : http.get(base + "/v1/clusters/" + cluster + "/events?limit=1000").expect(200).json()) {
                max = Math.max(max, e.get("seq").asLong());
            }
            return max;
        }

        @Override
        public String name() {
            return "cfgserver";
        }

        @Override
        public String proxyHost() {
            return proxyHost;
        }

        @Override
        public int proxyPort() {
            return proxyPort;
        }

        @Override
        public SlotMap slots() {
            return slots;
        }

        private JsonNode group(String g) {
            return http.get(base + "/v1/clusters/" + cluster + "/groups/" + g).expect(200).json();
        }

        /**
         * The group as the polled peer has applied it: the wait for a failover polls every 10 ms, and a
         * linearizable read each time would put 100 ReadIndex rounds a second on the very Raft log whose
         * commits the round measures (the figures come from the controller's events and the writer,
         * not from this poll, which only says when the round is over).
         */
        private JsonNode groupLocal(String g) {
            return http.get(base + "/v1/clusters/" + cluster + "/groups/" + g + "?consistency=local").expect(200).json();
        }

        /**
         * Sets the crash-aware detection rule (a master every peer sees refusing connections for that
         * long is down without waiting for downAfterMillis; 0 = off). Returns null when it took effect,
         * otherwise why not (a registry without the field answers 4xx "unknown policy field").
         */
        String refusedDownAfter(long millis) {
            Http.Response r = http.send("PUT", base + "/v1/clusters/" + cluster + "/policy",
                    Map.of("refusedDownAfterMillis", millis));
            if (r.isSuccess()) {
                return null;
            }
            return "policy refusedDownAfterMillis=" + millis + " answered " + r.status() + ": " + r.body();
        }

        @Override
        public String master(String g) {
            return group(g).at("/master/address").asText();
        }

        @Override
        public void beforeRound(String group) {
            lastSeq = lastSeq();
        }

        @Override
        public Map<String, Long> awaitFailover(String g, String oldMaster, long faultNanos, long faultMillis, long timeoutMs) {
            await(name() + " failover of " + g, timeoutMs, () -> {
                JsonNode n = groupLocal(g);
                return !n.at("/master/address").asText().equals(oldMaster) && n.path("failover").isNull();
            });
            Map<String, Long> b = new LinkedHashMap<>();
            await("+failover-timings event of " + g, 15_000, () -> {
                for (JsonNode e : events()) {
                    String type = e.get("type").asText();
                    if (type.equals("+sdown") && e.get("subject").asText().contains(oldMaster.replace("127.0.0.1:", ""))) {
                        b.putIfAbsent("fault->sdown", e.get("atMillis").asLong() - faultMillis);
                    }
                    if (type.equals("+failover-timings") && e.get("subject").asText().contains(g)) {
                        Matcher m = Pattern.compile("([a-z]+->[a-z]+) (\\d+) ms").matcher(e.get("message").asText());
                        while (m.find()) {
                            b.put(m.group(1), Long.parseLong(m.group(2)));
                        }
                        b.put("fault->failover-end", e.get("atMillis").asLong() - faultMillis);
                        return true;
                    }
                }
                return false;
            });
            return b;
        }

        private List<JsonNode> events() {
            List<JsonNode> list = new ArrayList<>();
            http.get(base + "/v1/clusters/" + cluster + "/events?limit=1000&afterSeq=" + lastSeq).expect(200).json()
                    .forEach(list::add);
            return list;
        }

        @Override
        public void awaitHealthy(String g, long timeoutMs) {
            await(name() + " group " + g + " healthy", timeoutMs, () -> {
                JsonNode n = group(g);
                if (!n.path("failover").isNull() || n.path("replicas").size() != 2) {
                    return false;
                }
                for (JsonNode r : n.path("replicas")) {
                    if (r.path("banned").asBoolean() || r.path("stale").asBoolean()) {
                        return false;
                    }
                }
                Node master = node(groups, n.at("/master/address").asText());
                return redisHealthy(master, groups.get(g).stream().filter(x -> x != master).toList());
            });
        }

        @Override
        public String diagnostics(String g) {
            StringBuilder s = new StringBuilder("group: ").append(group(g)).append("\nevents since round start:\n");
            for (JsonNode e : events()) {
                s.append("  ").append(e.get("atMillis").asLong()).append(' ').append(e.get("type").asText()).append(' ')
                        .append(e.get("subject").asText()).append(' ').append(e.get("message").asText()).append('\n');
            }
            return s.toString();
        }

        @Override
        public void close() {
            closeAgent();
            http.delete(base + "/v1/clusters/" + cluster);
        }

        private void closeAgent() {
            if (agentProcess != null) {
                agentProcess.close();
                CLEANUP.remove(agentProcess);
                return;
            }
            try {
                agent.close();
                agentThread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                System.err.println("agent close: " + e);
            }
        }
    }

    static final class SentinelPlane implements Plane {
        private final Map<String, List<Node>> groups;
        private final List<Process> sentinels = new ArrayList<>();
        private final List<Integer> ports = new ArrayList<>();
        private final BaselineAgent agent;
        private final int proxyPort = LoopbackPorts.next();
        private final String proxyHost;
        private final SlotMap slots = SlotMap.spread(GROUPS);
        private final Path dir;

        /**
         * {@code proxyAt} null: nutcracker listens on 127.0.0.1; otherwise on that lab host's address
         * ({@code binary} must start it in that host: {@link #netnsWrapper}), and the Sentinels also bind
         * the lab's outside address, the one they announce to each other through the masters they monitor
         * there (a Sentinel's hello carries the local address of its link to the master).
         */
        SentinelPlane(Path dir, Map<String, List<Node>> groups, String binary, NetLab.Host proxyAt) throws Exception {
            this.groups = groups;
            this.dir = dir;
            this.proxyHost = proxyAt == null ? "127.0.0.1" : proxyAt.ip();
            for (int i = 1; i <= 3; i++) {
                int port = LoopbackPorts.next();
                Path sdir = dir.resolve("sentinel" + i);
                Files.createDirectories(sdir);
                StringBuilder conf = new StringBuilder();
                conf.append("port ").append(port).append("\nbind 127.0.0.1").append(proxyAt == null ? "" : " " + lab.outsideIp())
                        .append("\ndaemonize no\n")
                        .append("dir ").append(sdir.toAbsolutePath()).append('\n')
                        .append("logfile \"").append(sdir.toAbsolutePath().resolve("sentinel.log")).append("\"\n")
                        .append("sentinel resolve-hostnames no\n");
                for (Map.Entry<String, List<Node>> e : groups.entrySet()) {
                    String g = e.getKey();
                    conf.append("sentinel monitor ").append(g).append(' ').append(e.getValue().get(0).ctlHost()).append(' ')
                            .append(e.getValue().get(0).ctlPort())
                            .append(" 2\n")
                            .append("sentinel down-after-milliseconds ").append(g).append(' ').append(DOWN_AFTER_MS).append('\n')
                            .append("sentinel failover-timeout ").append(g).append(' ').append(SENTINEL_FAILOVER_TIMEOUT_MS).append('\n')
                            .append("sentinel parallel-syncs ").append(g).append(" 1\n");
                }
                Path file = sdir.resolve("sentinel.conf");
                Files.writeString(file, conf.toString());
                Process p = new ProcessBuilder(redisServer(), file.toString(), "--sentinel").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(sdir.resolve("stdout.log").toFile())).start();
                sentinels.add(p);
                CLEANUP.push(() -> stop(p));
                ports.add(port);
            }
            for (int port : ports) {
                await("sentinel " + port + " up and aware of its peers and replicas", 60_000, () -> {
                    try (Jedis j = sentinel(port)) {
                        for (String g : groups.keySet()) {
                            Map<String, String> m = j.sentinelMaster(g);
                            if (!"2".equals(m.get("num-other-sentinels")) || !"2".equals(m.get("num-slaves"))) {
                                return false;
                            }
                        }
                        return true;
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
            }
            Map<String, String> masters = new LinkedHashMap<>();
            groups.forEach((g, nodes) -> masters.put(g, nodes.get(0).ctl()));
            agent = new BaselineAgent(dir.resolve("agent"), binary, proxyHost, proxyPort, slots, masters, ports);
            CLEANUP.push(agent);
            agent.start();
            for (String g : groups.keySet()) {
                awaitHealthy(g, 60_000);
            }
        }

        static String redisServer() {
            String configured = System.getenv("REDIS_SERVER");
            return configured == null || configured.isBlank() ? "redis-server" : configured;
        }

        static Jedis sentinel(int port) {
            return new Jedis("127.0.0.1", port, 2000);
        }

        @Override
        public String name() {
            return "sentinel";
        }

        @Override
        public String proxyHost() {
            return proxyHost;
        }

        @Override
        public int proxyPort() {
            return proxyPort;
        }

        @Override
        public SlotMap slots() {
            return slots;
        }

        @Override
        public String master(String group) {
            return agent.master(group);
        }

        @Override
        public void beforeRound(String group) {
            agent.reset(group);
        }

        @Override
        public Map<String, Long> awaitFailover(String g, String oldMaster, long faultNanos, long faultMillis, long timeoutMs) {
            await(name() + " failover of " + g, timeoutMs, () -> !agent.master(g).equals(oldMaster)
                    && agent.firstSeen("restarted", g) != 0);
            Map<String, Long> b = new LinkedHashMap<>();
            for (String type : List.of("+sdown", "+odown", "+promoted-slave", "+switch-master", "restarted")) {
                long at = agent.firstSeen(type, g);
                b.put("fault->" + (type.equals("restarted") ? "proxy-restarted" : type.substring(1)),
                        at == 0 ? -1 : (at - faultNanos) / 1_000_000);
            }
            return b;
        }

        @Override
        public void awaitHealthy(String g, long timeoutMs) {
            await(name() + " group " + g + " healthy", timeoutMs, () -> {
                String master = agent.master(g);
                for (int port : ports) {
                    try (Jedis j = sentinel(port)) {
                        List<String> addr = j.sentinelGetMasterAddrByName(g);
                        if (!master.equals(addr.get(0) + ":" + addr.get(1))) {
                            return false;
                        }
                        List<Map<String, String>> replicas = j.sentinelReplicas(g);
                        if (replicas.size() != 2 || replicas.stream().anyMatch(r -> !"slave".equals(r.get("flags"))
                                || !"ok".equals(r.get("master-link-status")))) {
                            return false;
                        }
                    } catch (RuntimeException e) {
                        return false;
                    }
                }
                Node m = node(groups, master);
                return redisHealthy(m, groups.get(g).stream().filter(x -> x != m).toList());
            });
        }

        @Override
        public String diagnostics(String g) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < ports.size(); i++) {
                try (Jedis j = sentinel(ports.get(i))) {
                    s.append("sentinel ").append(ports.get(i)).append(" master ").append(j.sentinelGetMasterAddrByName(g))
                            .append(" replicas ").append(j.sentinelReplicas(g)).append('\n');
                } catch (RuntimeException e) {
                    s.append("sentinel ").append(ports.get(i)).append(": ").append(e).append('\n');
                }
                s.append(io.cfgserver.tests.support.ChildProcesses.tail(dir.resolve("sentinel" + (i + 1)).resolve("sentinel.log"), 15))
                        .append('\n');
            }
            return s.toString();
        }

        @Override
        public void close() {
            agent.close();
            sentinels.forEach(FailoverBench::stop);
        }
    }

    static void stop(Process p) {
        if (p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    // ---- rounds --------------------------------------------------------------------------------

    record Round(String system, String fault, int index, String group, boolean ok, long rtoMs, long failedWrites,
            int lost, long lostWindowMs, long switchMs, Map<String, Long> breakdown, String note) {
    }

    static List<Round> runRounds(Plane plane, Map<String, List<Node>> groups, String fault, int rounds) {
        List<Round> out = new ArrayList<>();
        boolean partition = fault.equals("partition");   // any other fault is a kill -9 (kill, kill-crash-aware)
        try (ProxyWriter writer = new ProxyWriter(plane.proxyHost(), plane.proxyPort(), plane.name() + "-" + fault,
                plane.slots(), GROUPS, WRITE_PERIOD_MICROS)) {
            writer.start();
            sleep(2000);
            for (int r = 1; r <= rounds; r++) {
                String g = GROUPS.get((r - 1) % GROUPS.size());
                Round result;
                try {
                    result = partition ? partitionRound(plane, groups, writer, r, g) : killRound(plane, groups, writer, r, g, fault);
                } catch (RuntimeException e) {
                    String diag;
                    try {
                        diag = plane.diagnostics(g);
                    } catch (RuntimeException d) {
                        diag = "(no diagnostics: " + d + ")";
                    }
                    result = new Round(plane.name(), fault, r, g, false, -1, -1, -1, -1, -1, Map.of(), e.getMessage());
                    System.out.printf("  %s %s round %d (%s) FAILED: %s%n%s%n", plane.name(), fault, r, g, e.getMessage(), diag);
                    out.add(result);
                    break;   // the topology is in an unknown state: the next rounds would measure nothing useful
                }
                out.add(result);
                System.out.printf("  %-9s %-9s round %d %s: %s%s%n", plane.name(), fault, r, g,
                        result.ok() ? "" : "FAILED ", describe(result));
            }
            writer.round(0);
            sleep(500);
            List<ProxyWriter.Ack> all = writer.acks();
            List<ProxyWriter.Ack> missing = ProxyWriter.missing(plane.proxyHost(), plane.proxyPort(), all);
            long lostInKillPhase = missing.size();
            System.out.printf("  %s %s: final read-back of all %d acknowledged writes of the phase: %d missing%s%n",
                    plane.name(), fault, all.size(), missing.size(),
                    missing.isEmpty() ? "" : " (by round: " + missing.stream().collect(Collectors.groupingBy(
                            ProxyWriter.Ack::round, Collectors.counting())) + ")");
            if (!partition && lostInKillPhase > 0) {
                System.out.printf("  NOTE %s lost %d acknowledged writes in the kill phase, e.g. %s%n", plane.name(),
                        lostInKillPhase, missing.get(0));
            }
        }
        return out;
    }

    static Round killRound(Plane plane, Map<String, List<Node>> groups, ProxyWriter writer, int r, String g, String fault) {
        plane.awaitHealthy(g, 60_000);
        String old = plane.master(g);
        Node m = node(groups, old);
        plane.beforeRound(g);
        writer.round(r);
        sleep(300);
        long t0 = System.nanoTime();
        long t0ms = System.currentTimeMillis();
        m.redis.kill9();
        long dead = System.nanoTime();
        writer.watch(g, dead);
        ProxyWriter.GroupWriter w = writer.group(g);
        await("first write of " + g + " after the kill", 60_000, () -> w.firstOkNanos != 0);
        long rto = (w.firstOkNanos - t0) / 1_000_000;
        long failed = w.failuresAtFirstOk;
        Map<String, Long> b = plane.awaitFailover(g, old, t0, t0ms, 60_000);
        m.redis.restart();
        plane.awaitHealthy(g, 90_000);
        sleep(300);
        List<ProxyWriter.Ack> acked = writer.acks().stream().filter(a -> a.round() == r).toList();
        List<ProxyWriter.Ack> lost = ProxyWriter.missing(plane.proxyHost(), plane.proxyPort(), acked);
        return new Round(plane.name(), fault, r, g, true, rto, failed, lost.size(), -1, -1, b,
                acked.size() + " acked writes read back");
    }

    static Round partitionRound(Plane plane, Map<String, List<Node>> groups, ProxyWriter writer, int r, String g) {
        plane.awaitHealthy(g, 60_000);
        String old = plane.master(g);
        Node m = node(groups, old);
        plane.beforeRound(g);
        writer.round(r);
        sleep(300);
        long failuresBefore = writer.group(g).failures;
        long cutStart = System.nanoTime();
        long cutStartMs = System.currentTimeMillis();
        long cutMs = -1;
        if (m.host != null) {
            // the old master's host drops every packet from and to its group's replicas and the control plane
            // (the bench JVM's side: registry peers, Sentinels); the proxy's host still reaches it. The rules are
            // nft runs, a few ms each: replicas first, the control plane last, and the round's clock starts when
            // the whole cut is in place (writes acknowledged meanwhile and lost count all the same)
            List<NetLab.Host> others = new ArrayList<>();
            groups.get(g).stream().filter(n -> n != m).forEach(n -> others.add(n.host));
            others.add(lab.outside());
            lab.cut(List.of(m.host), others);
            long cut = System.nanoTime();
            cutMs = (cut - cutStart) / 1_000_000;
            cutStart = cut;
            cutStartMs = System.currentTimeMillis();
        } else if (blackholePartitions) {
            m.relay.blackhole();
        } else {
            m.relay.cut();
        }
        final long t0 = cutStart;
        final long t0ms = cutStartMs;
        Map<String, Long> b = Map.of();
        String noFailover = null;
        try {
            b = plane.awaitFailover(g, old, t0, t0ms, 60_000);
            sleep(1000);
        } catch (IllegalStateException e) {
            // no failover: say what the control plane did, then heal and measure the round anyway
            noFailover = e.getMessage();
            System.out.printf("  %s partition round %d (%s): NO FAILOVER: %s%n%s%n", plane.name(), r, g, e.getMessage(),
                    plane.diagnostics(g));
        } finally {
            if (m.host != null) {
                lab.heal();
            } else {
                m.relay.heal();
            }
        }
        plane.awaitHealthy(g, 90_000);
        sleep(300);
        List<ProxyWriter.Ack> acked = writer.acks().stream().filter(a -> a.round() == r).toList();
        List<ProxyWriter.Ack> lost = ProxyWriter.missing(plane.proxyHost(), plane.proxyPort(), acked);
        Set<String> lostKeys = lost.stream().map(ProxyWriter.Ack::key).collect(Collectors.toSet());
        long window = lost.stream().filter(a -> a.group().equals(g)).mapToLong(a -> (a.ackNanos() - t0) / 1_000_000)
                .max().orElse(0);
        // the first write kept after the last lost one: from then on the proxy writes to the new master
        long lastLost = lost.stream().filter(a -> a.group().equals(g)).mapToLong(ProxyWriter.Ack::ackNanos).max().orElse(t0);
        long switchMs = acked.stream().filter(a -> a.group().equals(g) && a.ackNanos() > lastLost && !lostKeys.contains(a.key()))
                .mapToLong(a -> (a.ackNanos() - t0) / 1_000_000).min().orElse(-1);
        long lostOther = lost.stream().filter(a -> !a.group().equals(g)).count();
        return new Round(plane.name(), "partition", r, g, noFailover == null, -1, writer.group(g).failures - failuresBefore, lost.size(), window,
                switchMs, b, acked.size() + " acked writes read back" + (lostOther > 0 ? ", " + lostOther
                        + " of them lost in the OTHER group" : "") + (cutMs < 0 ? "" : ", nft cut took " + cutMs + " ms") + (noFailover == null ? "" : "; NO FAILOVER within 60 s"));
    }

    static String describe(Round r) {
        String b = r.breakdown().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        if (!r.fault().equals("partition")) {
            return String.format("RTO %d ms, failed writes %d, lost acked writes %d (%s) [%s]", r.rtoMs(),
                    r.failedWrites(), r.lost(), r.note(), b);
        }
        return String.format("lost acked writes %d (acked up to %d ms after the cut), writes reach the new master "
                + "%d ms after the cut, failed writes %d (%s) [%s]", r.lost(), r.lostWindowMs(), r.switchMs(),
                r.failedWrites(), r.note(), b);
    }

    // ---- statistics and report -----------------------------------------------------------------

    static long median(List<Long> v) {
        if (v.isEmpty()) {
            return -1;
        }
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : Math.round((s.get(n / 2 - 1) + s.get(n / 2)) / 2.0);
    }

    static String stats(List<Long> v) {
        if (v.isEmpty()) {
            return "n/a";
        }
        return String.format("median %d (%d–%d, n=%d)", median(v), v.stream().min(Long::compare).get(),
                v.stream().max(Long::compare).get(), v.size());
    }

    static List<Long> field(List<Round> rounds, java.util.function.ToLongFunction<Round> f) {
        return rounds.stream().filter(Round::ok).map(r -> f.applyAsLong(r)).toList();
    }

    /** Lost writes of every round that was measured (also a round whose failover did not happen). */
    static List<Long> measured(List<Round> rounds) {
        return rounds.stream().filter(r -> r.lost() >= 0).map(r -> (long) r.lost()).toList();
    }

    static Map<String, Long> breakdownMedians(List<Round> rounds) {
        Map<String, List<Long>> all = new LinkedHashMap<>();
        for (Round r : rounds) {
            r.breakdown().forEach((k, v) -> all.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        Map<String, Long> m = new LinkedHashMap<>();
        all.forEach((k, v) -> m.put(k, median(v)));
        return m;
    }

    static String ratio(long a, long b) {
        return a < 0 || b <= 0 ? "n/a" : String.format("%.2f", (double) a / b);
    }

    // ---- main ----------------------------------------------------------------------------------

    /** The crash-aware rule's setting in the crash-aware rounds (the cluster policy's default). */
    static final long CRASH_REFUSED_DOWN_AFTER_MS = 300;
    /** Goals of issue 12: detection -> every proxy on the new master, and kill -> writes with the crash-aware rule. */
    static final long PATH_P50_GOAL_MS = 150;
    static final long PATH_P99_GOAL_MS = 250;
    static final long CRASH_RTO_GOAL_MS = 500;
    /**
     * Partition rounds, relay modes: the relay drops packets (timeouts only) instead of refusing
     * connections. A cut relay refuses, which the crash-aware rule (refusedDownAfterMillis) reads as a crash.
     */
    static boolean blackholePartitions;
    /** The partition rounds' network namespaces (--partition-mode netns), else null. */
    static NetLab lab;
    /** The partition mode the rounds ran with (netns, or a relay mode chosen or fallen back to). */
    static String partitionModeUsed = "netns";
    /** Why the crash-aware rounds did not run (null when they did). */
    static String crashUnavailable = "not run";

    /** Ends the run after the cfgserver phases (--no-baseline). */
    static final class SkipBaseline extends RuntimeException {
        SkipBaseline() {
            super("baseline skipped", null, false, false);
        }
    }

    public static void main(String[] args) throws Exception {
        int kills = 5;
        int partitions = 3;
        int crashKills = -1;
        boolean baseline = true;
        String partitionMode = "netns";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kills" -> kills = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--crash-aware" -> crashKills = Integer.parseInt(args[++i]);
                case "--no-baseline" -> baseline = false;
                case "--partition-mode" -> {
                    partitionMode = args[++i];
                    if (!List.of("netns", "cut", "blackhole").contains(partitionMode)) {
                        throw new IllegalArgumentException("--partition-mode is netns, cut or blackhole, got " + partitionMode);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: failover.sh [--kills 5] [--partitions 3] [--crash-aware <kills>] [--no-baseline]"
                        + " [--partition-mode netns|cut|blackhole]");
            }
        }
        if (crashKills < 0) {
            crashKills = kills;
        }
        if (kills < 1 || partitions < 0) {
            throw new IllegalArgumentException("--kills must be >= 1 and --partitions >= 0");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(FailoverBench::cleanup, "failover-bench-cleanup"));
        if (partitions > 0 && partitionMode.equals("netns")) {
            java.util.Optional<String> why = NetLab.unavailable();
            if (why.isPresent()) {
                System.out.printf("partition mode netns not available here (%s): falling back to the relay, blackhole%n", why.get());
                partitionMode = "blackhole";
            } else {
                lab = NetLab.create();
                CLEANUP.push(lab);   // first in, last out: closed after every process in its namespaces
            }
        }
        blackholePartitions = partitionMode.equals("blackhole");
        partitionModeUsed = partitionMode;
        Path dir = Files.createTempDirectory("cfgserver-failover");
        System.out.printf("failover bench in %s: 2 groups of 1 master + 2 replicas behind one nutcracker, down-after %d ms,"
                + " writer: 1 SET per %d us per group; %d kills and %d partition rounds per system%n",
                dir, DOWN_AFTER_MS, WRITE_PERIOD_MICROS, kills, partitions);
        if (partitions > 0) {
            System.out.printf("partition mode %s%s%n", partitionMode, lab == null ? ": control-path relays on 127.0.0.1"
                    : ": every redis and the proxy in a network namespace of its own on bridge " + lab.outsideIp()
                    + "/24; control planes outside at " + lab.outsideIp());
        }
        long started = System.nanoTime();
        List<Round> rounds = new ArrayList<>();
        int exit = 0;
        try {
            // with a lab, the peers listen on the lab's outside address (not 127.0.0.1): the partition phase's
            // agent runs in the proxy's namespace and must reach them; for the peers it is a local address all the same
            ServiceCluster registry = lab == null
                    ? ServiceCluster.start(dir.resolve("registry"), "127.0.0.1:" + LoopbackPorts.next())
                    : ServiceCluster.builder().dir(dir.resolve("registry")).temporalTarget("127.0.0.1:" + LoopbackPorts.next())
                            .placeEach(id -> lab.outside().placement()).start();
            CLEANUP.push(registry);
            System.out.printf("registry: 3 cfgserver peers up after %d s; agent in-process%n",
                    (System.nanoTime() - started) / 1_000_000_000);

            // cfgserver, kill -9: detection by downAfterMillis alone, then with the crash-aware rule (a master
            // every peer sees refusing connections for refusedDownAfterMillis is down at once)
            Map<String, List<Node>> topo = startTopology(dir.resolve("cfg-kill"), Net.LOOPBACK, null);
            try (CfgPlane cfg = new CfgPlane(registry, dir.resolve("cfg-kill"), "fo-kill", topo, NutcrackerProcess.binary(), null)) {
                String off = cfg.refusedDownAfter(0);
                System.out.printf("  crash-aware rule off for the kill rounds%s%n", off == null ? "" : " (" + off + ")");
                rounds.addAll(runRounds(cfg, topo, "kill", kills));
                if (crashKills > 0) {
                    crashUnavailable = cfg.refusedDownAfter(CRASH_REFUSED_DOWN_AFTER_MS);
                    if (crashUnavailable == null) {
                        rounds.addAll(runRounds(cfg, topo, "kill-crash-aware", crashKills));
                        cfg.refusedDownAfter(0);
                    } else {
                        System.out.printf("  crash-aware rounds not available: %s%n", crashUnavailable);
                    }
                }
            }
            closeNodes(topo);

            // cfgserver, partition
            if (partitions > 0 && lab != null) {
                topo = startTopology(dir.resolve("cfg-part"), Net.NETNS, "c");
                try (CfgPlane cfg = new CfgPlane(registry, dir.resolve("cfg-part"), "fo-part", topo,
                        NutcrackerProcess.binary(), lab.host("cpx"))) {
                    rounds.addAll(runRounds(cfg, topo, "partition", partitions));
                }
                closeNodes(topo);
            } else if (partitions > 0) {
                topo = startTopology(dir.resolve("cfg-part"), Net.RELAY, null);
                try (CfgPlane cfg = new CfgPlane(registry, dir.resolve("cfg-part"), "fo-part", topo,
                        dataPathWrapper(dir.resolve("cfg-part"), topo), null)) {
                    rounds.addAll(runRounds(cfg, topo, "partition", partitions));
                }
                closeNodes(topo);
            }

            if (!baseline) {
                throw new SkipBaseline();
            }
            // baseline, kill -9
            topo = startTopology(dir.resolve("sen-kill"), Net.LOOPBACK, null);
            try (SentinelPlane sen = new SentinelPlane(dir.resolve("sen-kill"), topo, NutcrackerProcess.binary(), null)) {
                rounds.addAll(runRounds(sen, topo, "kill", kills));
            }
            closeNodes(topo);

            // baseline, partition
            if (partitions > 0 && lab != null) {
                topo = startTopology(dir.resolve("sen-part"), Net.NETNS, "s");
                NetLab.Host px = lab.host("spx");
                try (SentinelPlane sen = new SentinelPlane(dir.resolve("sen-part"), topo,
                        netnsWrapper(dir.resolve("sen-part"), px), px)) {
                    rounds.addAll(runRounds(sen, topo, "partition", partitions));
                }
                closeNodes(topo);
            } else if (partitions > 0) {
                topo = startTopology(dir.resolve("sen-part"), Net.RELAY, null);
                try (SentinelPlane sen = new SentinelPlane(dir.resolve("sen-part"), topo,
                        dataPathWrapper(dir.resolve("sen-part"), topo), null)) {
                    rounds.addAll(runRounds(sen, topo, "partition", partitions));
                }
                closeNodes(topo);
            }
        } catch (SkipBaseline e) {
            System.out.println("baseline (Sentinel) skipped: --no-baseline");
        } catch (RuntimeException | Error e) {
            System.out.println("bench aborted: " + e);
            e.printStackTrace(System.out);
            exit = 1;
        } finally {
            cleanup();
        }
        if (rounds.stream().anyMatch(r -> !r.ok())) {
            exit = 1;
        }
        report(rounds, (System.nanoTime() - started) / 1_000_000_000, dir, crashKills > 0 ? crashUnavailable : "not run");
        System.exit(exit);
    }

    static void report(List<Round> rounds, long seconds, Path dir, String crashUnavailable) {
        List<Round> ck = rounds.stream().filter(r -> r.system().equals("cfgserver") && r.fault().equals("kill")).toList();
        List<Round> sk = rounds.stream().filter(r -> r.system().equals("sentinel") && r.fault().equals("kill")).toList();
        List<Round> cc = rounds.stream().filter(r -> r.system().equals("cfgserver") && r.fault().equals("kill-crash-aware")).toList();
        List<Round> cp = rounds.stream().filter(r -> r.system().equals("cfgserver") && r.fault().equals("partition")).toList();
        List<Round> sp = rounds.stream().filter(r -> r.system().equals("sentinel") && r.fault().equals("partition")).toList();
        long crto = median(field(ck, Round::rtoMs));
        long srto = median(field(sk, Round::rtoMs));
        System.out.println();
        System.out.printf("== kill -9 of a master (ms; RTO = kill -> first acknowledged write of that group through twemproxy)%n");
        System.out.printf("  RTO          cfgserver %s | sentinel %s | ratio cfgserver/sentinel %s%n",
                stats(field(ck, Round::rtoMs)), stats(field(sk, Round::rtoMs)), ratio(crto, srto));
        System.out.printf("  failed writes in the window   cfgserver %s | sentinel %s%n",
                stats(field(ck, Round::failedWrites)), stats(field(sk, Round::failedWrites)));
        System.out.printf("  lost acked writes             cfgserver total %d | sentinel total %d%n",
                field(ck, Round::lost).stream().mapToLong(Long::longValue).sum(),
                field(sk, Round::lost).stream().mapToLong(Long::longValue).sum());
        System.out.printf("  cfgserver breakdown p50/p99 (controller's +failover-timings): %s%n", breakdownStats(ck));
        System.out.printf("  sentinel breakdown medians (first event seen by the agent, from the kill): %s%n", breakdownMedians(sk));
        long ccrto = median(field(cc, Round::rtoMs));
        System.out.printf("== kill -9, crash-aware detection (refusedDownAfterMillis %d; the kill rounds above ran with 0)%n",
                CRASH_REFUSED_DOWN_AFTER_MS);
        if (crashUnavailable != null) {
            System.out.printf("  crash-aware: not available (%s)%n", crashUnavailable);
        } else {
            System.out.printf("  RTO          cfgserver crash-aware %s (goal <= %d) | rule off %s%n", stats(field(cc, Round::rtoMs)),
                    CRASH_RTO_GOAL_MS, stats(field(ck, Round::rtoMs)));
            System.out.printf("  failed writes in the window   %s; lost acked writes total %d%n", stats(field(cc, Round::failedWrites)),
                    field(cc, Round::lost).stream().mapToLong(Long::longValue).sum());
            System.out.printf("  breakdown p50/p99: %s%n", breakdownStats(cc));
        }
        long clost = measured(cp).stream().mapToLong(Long::longValue).sum();
        long slost = measured(sp).stream().mapToLong(Long::longValue).sum();
        System.out.printf("== partition (--partition-mode %s): old master cut off from control plane and replicas, still reachable"
                + " by twemproxy%n", partitionModeUsed);
        System.out.printf("  lost acked writes (total over rounds)  cfgserver %d %s | sentinel %d %s | ratio cfgserver/sentinel %s%n",
                clost, measured(cp), slost, measured(sp), ratio(clost, slost));
        rounds.stream().filter(r -> !r.ok()).forEach(r -> System.out.printf("  FAILED ROUND %s %s %d (%s): %s%n",
                r.system(), r.fault(), r.index(), r.group(), r.note()));
        System.out.printf("  lost-write window (cut -> last lost ack)  cfgserver %s | sentinel %s%n",
                stats(field(cp, Round::lostWindowMs)), stats(field(sp, Round::lostWindowMs)));
        System.out.printf("  cut -> first write kept on the new master  cfgserver %s | sentinel %s%n",
                stats(field(cp, Round::switchMs)), stats(field(sp, Round::switchMs)));
        System.out.printf("  cfgserver breakdown p50/p99: %s%n", breakdownStats(cp));
        System.out.printf("  sentinel breakdown medians: %s%n", breakdownMedians(sp));
        // the failover path after detection: the same steps whatever the fault, so every cfgserver round counts
        List<Long> path = rounds.stream().filter(r -> r.ok() && r.system().equals("cfgserver")
                && r.breakdown().containsKey(PATH)).map(r -> r.breakdown().get(PATH)).toList();
        System.out.printf("== failover path (%s, every cfgserver round): %s, p99 %d | goal p50 <= %d, p99 <= %d%n", PATH,
                stats(path), percentile(path, 99), PATH_P50_GOAL_MS, PATH_P99_GOAL_MS);
        long failed = rounds.stream().filter(r -> !r.ok()).count();
        System.out.printf("rounds: %d, failed rounds: %d, total %d s, logs in %s%n", rounds.size(), failed, seconds, dir);
        System.out.printf("RESULT cfgserver_rto_p50_ms=%d sentinel_rto_p50_ms=%d rto_ratio=%s cfgserver_lost_partition=%s "
                + "sentinel_lost_partition=%s path_p50_ms=%d (goal %d) path_p99_ms=%d (goal %d) crash_rto_p50_ms=%s (goal %d)%n",
                crto, srto, ratio(crto, srto),
                measured(cp).isEmpty() ? "n/a" : Long.toString(clost), measured(sp).isEmpty() ? "n/a" : Long.toString(slost),
                median(path), PATH_P50_GOAL_MS, percentile(path, 99), PATH_P99_GOAL_MS,
                crashUnavailable != null ? "n/a" : Long.toString(ccrto), CRASH_RTO_GOAL_MS);
    }

    /** The breakdown key of the whole path after detection, from the controller's +failover-timings. */
    static final String PATH = "detection->proxies";

    /** Nearest-rank percentile; -1 when empty. */
    static long percentile(List<Long> v, int p) {
        if (v.isEmpty()) {
            return -1;
        }
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.max(0, rank - 1));
    }

    static Map<String, String> breakdownStats(List<Round> rounds) {
        Map<String, List<Long>> all = new LinkedHashMap<>();
        for (Round r : rounds) {
            r.breakdown().forEach((k, v) -> all.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        Map<String, String> m = new LinkedHashMap<>();
        all.forEach((k, v) -> m.put(k, median(v) + "/" + percentile(v, 99)));
        return m;
    }

    static void closeNodes(Map<String, List<Node>> topo) {
        for (List<Node> nodes : topo.values()) {
            for (Node n : nodes) {
                if (n.relay != null) {
                    n.relay.close();
                    CLEANUP.remove(n.relay);
                }
                n.redis.close();
                CLEANUP.remove(n.redis);
            }
        }
    }

    static void cleanup() {
        AutoCloseable c;
        while ((c = CLEANUP.poll()) != null) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    // ---- small helpers -------------------------------------------------------------------------

    static void await(String what, long timeoutMs, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            boolean ok;
            try {
                ok = condition.getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            if (ok) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": not reached within " + timeoutMs + " ms");
            }
            sleep(10);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String join(List<?> l) {
        return Arrays.toString(l.toArray());
    }
}
