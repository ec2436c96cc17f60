package io.cfgserver.tests.support;

import io.cfgserver.testing.Placement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small network of Linux network namespaces for fault tests: each {@link Host} is a namespace
 * with one veth interface on a bridge in the test's own namespace, so the test JVM reaches every
 * host (from {@link #outsideIp()}) and hosts reach each other and the test. Faults are nftables
 * rules inside the hosts' namespaces, so the network of the machine itself is never touched:
 *
 * <pre>{@code
 * try (NetLab lab = NetLab.create()) {
 *     NetLab.Host m = lab.host("m"), r1 = lab.host("r1");
 *     RedisProcess master = RedisProcess.start(dir, m.placement());
 *     lab.cut(List.of(m), List.of(r1, lab.outside()));   // both ways; m's proxy host still reaches it
 *     lab.cutOneWay(r1, m);                              // r1's packets to m are dropped, m's reach r1
 *     lab.loss(m, 30);                                   // 30 % of what reaches m is dropped
 *     lab.heal();
 * }
 * }</pre>
 *
 * <p>Faults are silent drops (the peer sees timeouts, as with a pulled cable), in either or both
 * directions. Latency cannot be added here: this machine's kernel has no {@code sch_netem}
 * (nftables and {@code tc}'s htb/tbf are there); {@link TcpRelay} delays instead where a test needs
 * it. Needs root, {@code ip} (iproute2) and {@code nft} (nftables); {@link #unavailable()} says
 * why not otherwise, for an assumption.
 *
 * <p>Addresses: {@code 10.213.<n>.0/24}, {@code n} from the JVM's pid and a counter, the bridge
 * (the test's own side) {@code .254}. Every name carries that {@code n}, so labs of parallel JVMs
 * never collide, and {@link #close()} deletes the bridge and the namespaces (processes in them
 * must have been stopped first). A lab left behind by a killed JVM is deleted by the next lab
 * that gets the same number.
 */
public final class NetLab implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String TABLE = "cfglab";

    private final int net;
    private final String bridge;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final Host outside;

    /** One namespace, or (for {@link #outside()}) the test's own side of the bridge. */
    public static final class Host {
        private final String name;
        private final String ns;
        private final String ip;

        private Host(String name, String ns, String ip) {
            this.name = name;
            this.ns = ns;
            this.ip = ip;
        }

        public String name() {
            return name;
        }

        /** The namespace's name ({@code ip netns list}); null for {@link NetLab#outside()}. */
        public String namespace() {
            return ns;
        }

        public String ip() {
            return ip;
        }

        /** Bind to {@link #ip()} and start under {@code ip netns exec <ns>}. */
        public Placement placement() {
            if (ns == null) {
                return new Placement(ip, List.of(), Map.of());
            }
            return new Placement(ip, List.of("ip", "netns", "exec", ns), Map.of());
        }

        @Override
        public String toString() {
            return name + "(" + ip + ")";
        }
    }

    private NetLab(int net) {
        this.net = net;
        this.bridge = "cfl" + net + "br";
        this.outside = new Host("outside", null, prefix() + "254");
    }

    /** Why a lab cannot be built here (not root, no ip or nft, namespaces refused), or empty. */
    public static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("network namespaces need root (user is " + System.getProperty("user.name") + ")");
        }
        for (String tool : List.of("ip", "nft")) {
            if (run(false, "sh", "-c", "command -v " + tool) != 0) {
                return Optional.of(tool + " is not installed (apt-get install iproute2 nftables)");
            }
        }
        String probe = "cfgprobe" + ProcessHandle.current().pid() % 100_000;
        if (run(false, "ip", "netns", "add", probe) != 0) {
            return Optional.of("`ip netns add` is refused here");
        }
        run(false, "ip", "netns", "del", probe);
        return Optional.empty();
    }

    /** A new lab with no hosts yet: the bridge, up, with {@link #outsideIp()}. */
    public static NetLab create() {
        int n = (int) ((ProcessHandle.current().pid() * 7 + COUNTER.getAndIncrement()) % 250);
        NetLab lab = new NetLab(n);
        lab.removeLeftovers();
        try {
            must("ip", "link", "add", lab.bridge, "type", "bridge");
            must("ip", "addr", "add", lab.outside.ip + "/24", "dev", lab.bridge);
            must("ip", "link", "set", lab.bridge, "up");
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    /** A new namespace named after {@code name}, with the next address, loopback and eth0 up, no rules. */
    public synchronized Host host(String name) {
        if (hosts.containsKey(name)) {
            throw new IllegalArgumentException("host " + name + " exists already");
        }
        int index = hosts.size() + 1;
        if (index > 250) {
            throw new IllegalStateException("a lab has at most 250 hosts");
        }
        Host h = new Host(name, "cfl" + net + "-" + name, prefix() + index);
        String veth = "cfl" + net + "v" + index;
        must("ip", "netns", "add", h.ns);
        hosts.put(name, h);
        must("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", h.ns);
        must("ip", "link", "set", veth, "master", bridge, "up");
        must("ip", "-n", h.ns, "addr", "add", h.ip + "/24", "dev", "eth0");
        must("ip", "-n", h.ns, "link", "set", "eth0", "up");
        must("ip", "-n", h.ns, "link", "set", "lo", "up");
        nft(h, """
                table inet %s {
                  chain input { type filter hook input priority 0; policy accept; }
                  chain output { type filter hook output priority 0; policy accept; }
                }
                """.formatted(TABLE));
        return h;
    }

    /** The test's own side: the JVM, and anything it runs outside the namespaces (e.g. Temporal). */
    public Host outside() {
        return outside;
    }

    public String outsideIp() {
        return outside.ip;
    }

    public synchronized List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    /** Drops every packet between each host of {@code a} and each of {@code b}, both ways. */
    public synchronized void cut(Collection<Host> a, Collection<Host> b) {
        for (Host x : a) {
            for (Host y : b) {
                cutOneWay(x, y);
                cutOneWay(y, x);
            }
        }
    }

    /**
     * Drops the packets {@code from} sends to {@code to}; {@code to}'s packets still reach
     * {@code from} (so TCP connects in neither direction, but a UDP-like sender would be heard).
     * The rule sits at {@code to}'s input, or at {@code from}'s output when {@code to} is
     * {@link #outside()}.
     */
    public synchronized void cutOneWay(Host from, Host to) {
        if (from == to) {
            throw new IllegalArgumentException("cannot cut " + from + " from itself");
        }
        if (to.ns != null) {
            nft(to, "add rule inet " + TABLE + " input ip saddr " + from.ip + " drop\n");
        } else if (from.ns != null) {
            nft(from, "add rule inet " + TABLE + " output ip daddr " + to.ip + " drop\n");
        } else {
            throw new IllegalArgumentException("outside to outside is not a cut");
        }
    }

    /** Drops {@code percent} % of the packets arriving at {@code host} (chosen at random per packet). */
    public synchronized void loss(Host host, int percent) {
        if (host.ns == null || percent < 0 || percent > 100) {
            throw new IllegalArgumentException("loss needs a namespace host and 0..100 %, got " + host + " " + percent);
        }
        if (percent == 100) {
            nft(host, "add rule inet " + TABLE + " input drop\n");
        } else if (percent > 0) {
            nft(host, "add rule inet " + TABLE + " input numgen random mod 100 < " + percent + " drop\n");
        }
    }

    /** Removes every fault rule of every host. */
    public synchronized void heal() {
        for (Host h : hosts.values()) {
            heal(h);
        }
    }

    /** Removes every fault rule of {@code host} (rules that drop its packets at other hosts stay). */
    public synchronized void heal(Host host) {
        nft(host, "flush chain inet " + TABLE + " input\nflush chain inet " + TABLE + " output\n");
    }

    /** The fault rules of {@code host} as nft lists them, for diagnostics. */
    public String rules(Host host) {
        return output("ip", "netns", "exec", host.ns, "nft", "list", "table", "inet", TABLE);
    }

    /** SIGSTOP: the process stops where it is, its sockets stay open (a long GC pause, a frozen VM). */
    public static void pause(ProcessHandle process) {
        must("kill", "-STOP", Long.toString(process.pid()));
    }

    /** SIGCONT after {@link #pause}. */
    public static void resume(ProcessHandle process) {
        must("kill", "-CONT", Long.toString(process.pid()));
    }

    /** Deletes the namespaces and the bridge (the veths go with their namespaces). */
    @Override
    public synchronized void close() {
        for (Host h : hosts.values()) {
            run(false, "ip", "netns", "del", h.ns);
        }
        hosts.clear();
        run(false, "ip", "link", "del", bridge);
    }

    private String prefix() {
        return "10.213." + net + ".";
    }

    /** Namespaces and a bridge with this lab's number, left by a JVM that was killed. */
    private void removeLeftovers() {
        for (String line : output("ip", "netns", "list").split("\n")) {
            String name = line.split(" ")[0];
            if (name.startsWith("cfl" + net + "-")) {
                run(false, "ip", "netns", "del", name);
            }
        }
        run(false, "ip", "link", "del", bridge);
    }

    private static void nft(Host h, String script) {
        if (h.ns == null) {
            throw new IllegalArgumentException("no rules on the outside");
        }
        try {
            Path file = Files.createTempFile("netlab", ".nft");
            try {
                Files.writeString(file, script, StandardCharsets.UTF_8);
                must("ip", "netns", "exec", h.ns, "nft", "-f", file.toString());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void must(String... command) {
        run(true, command);
    }

    /** Runs {@code command}; with {@code loud}, its output goes into the exception of a failure. */
    private static int run(boolean loud, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            if (p.exitValue() != 0 && loud) {
                throw new IllegalStateException("failed (" + p.exitValue() + "): " + String.join(" ", command) + ": " + out.strip());
            }
            return p.exitValue();
        } catch (IOException e) {
            if (loud) {
                throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
            }
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static String output(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
