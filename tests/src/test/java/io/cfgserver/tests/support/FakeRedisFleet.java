package io.cfgserver.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Many light Redis look-alikes in one JVM, for fleet-scale benchmarks: each instance listens on its
 * own 127.0.0.1 port, and a few selector threads answer every one of them. Each group is a master and
 * its replicas; what a control plane sends is answered consistently with the role:
 * <ul>
 *   <li>{@code PING}, {@code ECHO}, {@code INFO [section ...]} (replication as a master with
 *       {@code connected_slaves} / {@code master_repl_offset}, or as a replica with {@code master_host},
 *       {@code master_port}, {@code master_link_status:up} when its master is a master of this fleet,
 *       {@code slave_repl_offset}), {@code ROLE};</li>
 *   <li>{@code REPLICAOF} / {@code SLAVEOF host port | NO ONE} switch the role;</li>
 *   <li>{@code CONFIG GET pattern ...} / {@code CONFIG SET name value ...} / {@code CONFIG REWRITE};</li>
 *   <li>{@code SELECT}, {@code SET}, {@code GET}, {@code DEL}, {@code EXISTS}, {@code DBSIZE} on one map per
 *       group: a replica reads what its master holds, as after replication (the controller's fencing
 *       stamp is written on masters and read on replicas);</li>
 *   <li>{@code HELLO [2]}, {@code CLIENT ...}, {@code QUIT}, {@code COMMAND}; anything else is {@code -ERR unknown command}.</li>
 * </ul>
 * Not a Redis: no persistence, no real replication stream, no expiry. Close it to stop every listener.
 */
public final class FakeRedisFleet implements AutoCloseable {
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "+PONG\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NIL = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Map<String, String> DEFAULT_CONFIG = Map.ofEntries(
            Map.entry("maxmemory", "0"), Map.entry("maxmemory-policy", "noeviction"),
            Map.entry("min-replicas-to-write", "0"), Map.entry("min-replicas-max-lag", "10"),
            Map.entry("replica-priority", "100"), Map.entry("appendonly", "no"), Map.entry("save", ""),
            Map.entry("timeout", "0"), Map.entry("repl-diskless-sync", "yes"), Map.entry("repl-diskless-sync-delay", "0"),
            Map.entry("repl-backlog-size", "1048576"), Map.entry("hz", "10"), Map.entry("databases", "16"),
            Map.entry("maxclients", "10000"), Map.entry("replica-read-only", "yes"), Map.entry("bind", "127.0.0.1"));

    /** One group: its instances (the first one starts as master) and the data they all see. */
    public static final class Group {
        final Map<String, String> data = new ConcurrentHashMap<>();
        final AtomicLong offset = new AtomicLong(1000);
        final List<Instance> instances = new ArrayList<>();

        public Instance master() {
            return instances.get(0);
        }

        public List<Instance> replicas() {
            return instances.subList(1, instances.size());
        }
    }

    /** One fake instance. */
    public final class Instance {
        final int port;
        final Group group;
        final Map<String, String> config = new ConcurrentHashMap<>(DEFAULT_CONFIG);
        volatile boolean master;
        volatile int masterPort;
        volatile long linkChangedMillis = System.currentTimeMillis();
        final AtomicLong clients = new AtomicLong();
        ServerSocketChannel listener;
        byte[] replicationReply;
        long replicationTopology = -1;
        long replicationOffset = -1;

        Instance(int port, Group group, boolean master) {
            this.port = port;
            this.group = group;
            this.master = master;
        }

        public int port() {
            return port;
        }

        public String address() {
            return "127.0.0.1:" + port;
        }

        @Override
        public String toString() {
            return address() + (master ? " master" : " replica of " + masterPort);
        }
    }

    private final List<Group> groups = new ArrayList<>();
    private final Map<Integer, Instance> byPort = new ConcurrentHashMap<>();
    private final List<Loop> loops = new ArrayList<>();
    /** Bumped on every role change or kill: cached INFO replication replies are then rebuilt. */
    private final AtomicLong topology = new AtomicLong();
    private static final byte[] PING_CMD = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO_REPLICATION_CMD = "*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private volatile boolean closed;

    private FakeRedisFleet() {
    }

    /**
     * {@code groupCount} groups of one master and {@code replicasPerGroup} replicas, answered by
     * {@code threads} selector threads; returns once every instance listens.
     */
    public static FakeRedisFleet start(int groupCount, int replicasPerGroup, int threads) {
        FakeRedisFleet f = new FakeRedisFleet();
        try {
            for (int i = 0; i < threads; i++) {
                f.loops.add(f.new Loop(i));
            }
            int n = 0;
            for (int g = 0; g < groupCount; g++) {
                Group group = new Group();
                for (int r = 0; r <= replicasPerGroup; r++) {
                    Instance in = f.listen(group, r == 0, f.loops.get(n++ % threads));
                    group.instances.add(in);
                }
                int masterPort = group.master().port;
                group.replicas().forEach(r -> r.masterPort = masterPort);
                f.groups.add(group);
            }
            f.loops.forEach(Loop::begin);
            return f;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private Instance listen(Group group, boolean master, Loop loop) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = LoopbackPorts.next();
            ServerSocketChannel ch = ServerSocketChannel.open();
            try {
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
            } catch (IOException e) {
                ch.close();
                continue; // taken meanwhile by some other process
            }
            ch.configureBlocking(false);
            Instance in = new Instance(port, group, master);
            in.listener = ch;
            byPort.put(port, in);
            ch.register(loop.selector, SelectionKey.OP_ACCEPT, in);
            return in;
        }
        throw new IOException("no free loopback port after 50 attempts");
    }

    public List<Group> groups() {
        return groups;
    }

    /** Commands answered so far (all instances). */
    public long commands() {
        return loops.stream().mapToLong(l -> l.served).sum();
    }

    /** Stops one instance's listener and drops its connections: a refusal from then on, like a kill -9. */
    public void kill(Instance in) {
        topology.incrementAndGet();
        for (Loop l : loops) {
            l.pending.add(() -> l.dropAll(in));
            l.selector.wakeup();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Loop l : loops) {
            l.stop();
        }
        for (Instance in : byPort.values()) {
            try {
                in.listener.close();
            } catch (IOException | RuntimeException e) {
                // closing anyway
            }
        }
    }

    // ---- the selector loops --------------------------------------------------------------------

    /** One connection: what arrived and is not parsed yet, what is to be written. */
    private static final class Conn {
        final Instance instance;
        final SocketChannel channel;
        ByteBuffer in = ByteBuffer.allocate(512);
        ByteBuffer out;
        int db;
        boolean closeAfterWrite;

        Conn(Instance instance, SocketChannel channel) {
            this.instance = instance;
            this.channel = channel;
        }
    }

    private final class Loop implements Runnable {
        final Selector selector;
        final Thread thread;
        final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();
        final Out reply = new Out();
        final List<String> args = new ArrayList<>(8);
        volatile long served;
        long lastComplaint;

        Loop(int i) throws IOException {
            selector = Selector.open();
            thread = new Thread(this, "fake-redis-" + i);
            thread.setDaemon(true);
        }

        void begin() {
            thread.start();
        }

        void stop() {
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        void dropAll(Instance in) {
            try {
                in.listener.close();
            } catch (IOException e) {
                // gone anyway
            }
            for (SelectionKey k : selector.keys()) {
                if (k.attachment() instanceof Conn c && c.instance == in) {
                    close(k, c);
                }
            }
        }

        @Override
        public void run() {
            while (!closed) {
                try {
                    selector.select();
                    Runnable r;
                    while ((r = pending.poll()) != null) {
                        r.run();
                    }
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        if (!k.isValid()) {
                            continue;
                        }
                        if (k.isAcceptable()) {
                            accept(k);
                        } else if (k.attachment() instanceof Conn c) {
                            if (k.isReadable()) {
                                read(k, c);
                            }
                            if (k.isValid() && k.isWritable()) {
                                flush(k, c);
                            }
                        }
                    }
                } catch (ClosedSelectorException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    long now = System.nanoTime();
                    if (!closed && now - lastComplaint > 1_000_000_000L) { // at most one line a second
                        lastComplaint = now;
                        System.err.println("fake redis loop: " + e);
                    }
                }
            }
        }

        private void accept(SelectionKey k) throws IOException {
            Instance in = (Instance) k.attachment();
            SocketChannel ch;
            while ((ch = ((ServerSocketChannel) k.channel()).accept()) != null) {
                ch.configureBlocking(false);
                ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                in.clients.incrementAndGet();
                ch.register(selector, SelectionKey.OP_READ, new Conn(in, ch));
            }
        }

        private void close(SelectionKey k, Conn c) {
            k.cancel();
            c.instance.clients.decrementAndGet();
            try {
                c.channel.close();
            } catch (IOException e) {
                // gone anyway
            }
        }

        private void read(SelectionKey k, Conn c) {
            int n;
            try {
                if (!c.in.hasRemaining()) {
                    ByteBuffer bigger = ByteBuffer.allocate(c.in.capacity() * 2);
                    c.in.flip();
                    bigger.put(c.in);
                    c.in = bigger;
                }
                n = c.channel.read(c.in);
            } catch (IOException e) {
                close(k, c);
                return;
            }
            if (n < 0) {
                close(k, c);
                return;
            }
            byte[] a = c.in.array();
            int limit = c.in.position();
            int at = 0;
            reply.reset();
            args.clear();
            while (true) {
                // a probe's PING and INFO replication without parsing or allocating: most of what arrives
                if (startsWith(a, at, limit, PING_CMD)) {
                    at += PING_CMD.length;
                    served++;
                    reply.raw(PONG);
                    continue;
                }
                if (startsWith(a, at, limit, INFO_REPLICATION_CMD)) {
                    at += INFO_REPLICATION_CMD.length;
                    served++;
                    reply.raw(replicationReply(c.instance));
                    continue;
                }
                args.clear();
                int next = parse(a, at, limit, args);
                if (next < 0) {
                    break;
                }
                at = next;
                if (!args.isEmpty()) {
                    served++;
                    execute(c, args, reply);
                }
            }
            // keep what is not parsed yet
            c.in.limit(limit).position(at);
            c.in.compact();
            if (reply.size == 0) {
                return;
            }
            if (c.out != null && c.out.hasRemaining()) { // still writing earlier replies: these go after them
                ByteBuffer both = ByteBuffer.allocate(c.out.remaining() + reply.size);
                both.put(c.out).put(reply.bytes, 0, reply.size).flip();
                c.out = both;
                flush(k, c);
                return;
            }
            ByteBuffer now = ByteBuffer.wrap(reply.bytes, 0, reply.size);
            try {
                c.channel.write(now);
            } catch (IOException e) {
                close(k, c);
                return;
            }
            if (now.hasRemaining()) { // the reply buffer is reused: keep a copy of the rest
                c.out = ByteBuffer.allocate(now.remaining()).put(now).flip();
                k.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            } else {
                c.out = null;
                if (c.closeAfterWrite) {
                    close(k, c);
                }
            }
        }

        private void flush(SelectionKey k, Conn c) {
            try {
                c.channel.write(c.out);
            } catch (IOException e) {
                close(k, c);
                return;
            }
            if (c.out.hasRemaining()) {
                k.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            } else {
                k.interestOps(SelectionKey.OP_READ);
                if (c.closeAfterWrite) {
                    close(k, c);
                }
            }
        }
    }

    /** A command (RESP array of bulk strings, or an inline line) into {@code args}; the index after it, -1 if incomplete. */
    static int parse(byte[] a, int from, int limit, List<String> args) {
        if (from >= limit) {
            return -1;
        }
        int eol = lineEnd(a, from, limit);
        if (eol < 0) {
            return -1;
        }
        if (a[from] != '*') {
            String line = new String(a, from, eol - from, StandardCharsets.UTF_8).trim();
            if (!line.isEmpty()) {
                args.addAll(Arrays.asList(line.split("\\s+")));
            }
            return eol + 2;
        }
        int count = (int) number(a, from + 1, eol);
        int at = eol + 2;
        for (int i = 0; i < count; i++) {
            int l = lineEnd(a, at, limit);
            if (l < 0) {
                return -1;
            }
            int len = (int) number(a, at + 1, l);
            int start = l + 2;
            if (start + len + 2 > limit) {
                return -1;
            }
            args.add(new String(a, start, len, StandardCharsets.UTF_8));
            at = start + len + 2;
        }
        return at;
    }

    private static int lineEnd(byte[] a, int from, int limit) {
        for (int i = from; i + 1 < limit; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static long number(byte[] a, int from, int to) {
        boolean negative = from < to && a[from] == '-';
        long n = 0;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            n = n * 10 + (a[i] - '0');
        }
        return negative ? -n : n;
    }

    // ---- commands ------------------------------------------------------------------------------

    private void execute(Conn c, List<String> args, Out out) {
        Instance in = c.instance;
        String cmd = args.get(0).toUpperCase(Locale.ROOT);
        switch (cmd) {
            case "PING" -> {
                if (args.size() > 1) {
                    out.bulk(args.get(1));
                } else {
                    out.raw(PONG);
                }
            }
            case "ECHO" -> out.bulk(args.size() > 1 ? args.get(1) : "");
            case "INFO" -> out.bulk(info(in, args.size() > 1 ? args.subList(1, args.size()) : List.of("default")));
            case "ROLE" -> role(in, out);
            case "CONFIG" -> config(in, args, out);
            case "REPLICAOF", "SLAVEOF" -> replicaOf(in, args, out);
            case "SELECT" -> {
                c.db = args.size() > 1 ? Integer.parseInt(args.get(1)) : 0;
                out.raw(OK);
            }
            case "SET" -> {
                if (args.size() < 3) {
                    out.error("ERR wrong number of arguments for 'set' command");
                } else if (!in.master) {
                    out.error("READONLY You can't write against a read only replica.");
                } else {
                    in.group.data.put(c.db + ":" + args.get(1), args.get(2));
                    in.group.offset.addAndGet(args.get(1).length() + args.get(2).length() + 30);
                    out.raw(OK);
                }
            }
            case "GET" -> {
                String v = args.size() > 1 ? in.group.data.get(c.db + ":" + args.get(1)) : null;
                if (v == null) {
                    out.raw(NIL);
                } else {
                    out.bulk(v);
                }
            }
            case "DEL", "UNLINK", "EXISTS" -> {
                int n = 0;
                for (String k : args.subList(1, args.size())) {
                    boolean there = cmd.equals("EXISTS") ? in.group.data.containsKey(c.db + ":" + k)
                            : in.master && in.group.data.remove(c.db + ":" + k) != null;
                    n += there ? 1 : 0;
                }
                out.integer(n);
            }
            case "DBSIZE" -> {
                String prefix = c.db + ":";
                out.integer(in.group.data.keySet().stream().filter(k -> k.startsWith(prefix)).count());
            }
            case "CLIENT" -> {
                String sub = args.size() > 1 ? args.get(1).toUpperCase(Locale.ROOT) : "";
                switch (sub) {
                    case "LIST", "INFO" -> out.bulk("id=1 addr=127.0.0.1:1 laddr=" + in.address() + " fd=8 name= db=0\n");
                    case "GETNAME" -> out.raw(NIL);
                    case "ID" -> out.integer(1);
                    default -> out.raw(OK);
                }
            }
            case "HELLO" -> hello(in, args, out);
            case "COMMAND" -> out.raw("*0\r\n".getBytes(StandardCharsets.US_ASCII));
            case "WAIT" -> out.integer(in.group.replicas().size());
            case "QUIT" -> {
                out.raw(OK);
                c.closeAfterWrite = true;
            }
            default -> out.error("ERR unknown command '" + args.get(0) + "', with args beginning with: ");
        }
    }

    /** {@code HELLO [2]}: the server's description as a RESP2 array (RESP3 is not spoken here). */
    private static void hello(Instance in, List<String> args, Out out) {
        if (args.size() > 1 && !args.get(1).equals("2")) {
            out.error("NOPROTO unsupported protocol version");
            return;
        }
        out.raw("*14\r\n".getBytes(StandardCharsets.US_ASCII));
        out.bulk("server");
        out.bulk("redis");
        out.bulk("version");
        out.bulk("7.0.15");
        out.bulk("proto");
        out.integer(2);
        out.bulk("id");
        out.integer(in.port);
        out.bulk("mode");
        out.bulk("standalone");
        out.bulk("role");
        out.bulk(in.master ? "master" : "replica");
        out.bulk("modules");
        out.raw("*0\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean startsWith(byte[] a, int at, int limit, byte[] prefix) {
        if (limit - at < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (a[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The INFO replication reply of an instance, rebuilt only when roles or the group's offset changed. */
    private byte[] replicationReply(Instance in) {
        long topo = topology.get();
        long offset = in.group.offset.get();
        byte[] r = in.replicationReply;
        if (r == null || in.replicationTopology != topo || in.replicationOffset != offset) {
            StringBuilder sb = new StringBuilder(512);
            replication(in, sb);
            byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
            byte[] head = ("$" + body.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
            r = new byte[head.length + body.length + 2];
            System.arraycopy(head, 0, r, 0, head.length);
            System.arraycopy(body, 0, r, head.length, body.length);
            r[r.length - 2] = '\r';
            r[r.length - 1] = '\n';
            in.replicationReply = r;
            in.replicationTopology = topo;
            in.replicationOffset = offset;
        }
        return r;
    }

    private static void role(Instance in, Out out) {
        long offset = in.group.offset.get();
        if (in.master) {
            out.raw("*3\r\n".getBytes(StandardCharsets.US_ASCII));
            out.bulk("master");
            out.integer(offset);
            out.raw("*0\r\n".getBytes(StandardCharsets.US_ASCII));
        } else {
            out.raw("*5\r\n".getBytes(StandardCharsets.US_ASCII));
            out.bulk("slave");
            out.bulk("127.0.0.1");
            out.integer(in.masterPort);
            out.bulk("connected");
            out.integer(offset);
        }
    }

    private void config(Instance in, List<String> args, Out out) {
        String sub = args.size() > 1 ? args.get(1).toUpperCase(Locale.ROOT) : "";
        switch (sub) {
            case "GET" -> {
                Map<String, String> found = new java.util.TreeMap<>();
                for (String pattern : args.subList(2, args.size())) {
                    Pattern p = Pattern.compile(pattern.toLowerCase(Locale.ROOT).replace(".", "\\.").replace("*", ".*")
                            .replace("?", "."));
                    in.config.forEach((k, v) -> {
                        if (p.matcher(k).matches()) {
                            found.put(k, v);
                        }
                    });
                }
                out.raw(("*" + found.size() * 2 + "\r\n").getBytes(StandardCharsets.US_ASCII));
                found.forEach((k, v) -> {
                    out.bulk(k);
                    out.bulk(v);
                });
            }
            case "SET" -> {
                if (args.size() < 4 || args.size() % 2 != 0) {
                    out.error("ERR wrong number of arguments for 'config|set' command");
                    return;
                }
                for (int i = 2; i + 1 < args.size(); i += 2) {
                    in.config.put(args.get(i).toLowerCase(Locale.ROOT), args.get(i + 1));
                }
                out.raw(OK);
            }
            case "REWRITE", "RESETSTAT" -> out.raw(OK);
            default -> out.error("ERR unknown subcommand '" + sub + "'");
        }
    }

    private void replicaOf(Instance in, List<String> args, Out out) {
        if (args.size() != 3) {
            out.error("ERR wrong number of arguments for 'replicaof' command");
            return;
        }
        if (args.get(1).equalsIgnoreCase("no") && args.get(2).equalsIgnoreCase("one")) {
            if (!in.master) {
                in.master = true;
                in.linkChangedMillis = System.currentTimeMillis();
                topology.incrementAndGet();
            }
            out.raw(OK);
            return;
        }
        int port;
        try {
            port = Integer.parseInt(args.get(2));
        } catch (NumberFormatException e) {
            out.error("ERR Invalid master port");
            return;
        }
        if (in.master || in.masterPort != port) {
            in.master = false;
            in.masterPort = port;
            in.linkChangedMillis = System.currentTimeMillis();
            topology.incrementAndGet();
        }
        out.raw(OK);
    }

    private String info(Instance in, List<String> sections) {
        StringBuilder sb = new StringBuilder(512);
        for (String s : sections) {
            String section = s.toLowerCase(Locale.ROOT);
            boolean all = section.equals("all") || section.equals("default") || section.equals("everything");
            if (all || section.equals("server")) {
                sb.append("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\ntcp_port:").append(in.port)
                        .append("\r\nrun_id:fake").append(in.port).append("\r\n\r\n");
            }
            if (all || section.equals("clients")) {
                sb.append("# Clients\r\nconnected_clients:").append(in.clients.get()).append("\r\nblocked_clients:0\r\n\r\n");
            }
            if (all || section.equals("memory")) {
                sb.append("# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nmaxmemory:")
                        .append(in.config.getOrDefault("maxmemory", "0")).append("\r\nmaxmemory_policy:")
                        .append(in.config.getOrDefault("maxmemory-policy", "noeviction")).append("\r\n\r\n");
            }
            if (all || section.equals("replication")) {
                replication(in, sb);
            }
            if (all || section.equals("keyspace")) {
                sb.append("# Keyspace\r\n\r\n");
            }
        }
        return sb.toString();
    }

    private void replication(Instance in, StringBuilder sb) {
        long offset = in.group.offset.get();
        sb.append("# Replication\r\n");
        if (in.master) {
            List<Instance> replicas = new ArrayList<>();
            for (Instance r : in.group.instances) {
                if (r != in && !r.master && r.masterPort == in.port) {
                    replicas.add(r);
                }
            }
            sb.append("role:master\r\nconnected_slaves:").append(replicas.size()).append("\r\n");
            for (int i = 0; i < replicas.size(); i++) {
                sb.append("slave").append(i).append(":ip=127.0.0.1,port=").append(replicas.get(i).port)
                        .append(",state=online,offset=").append(offset).append(",lag=0\r\n");
            }
            sb.append("master_failover_state:no-failover\r\nmaster_replid:0000000000000000000000000000000000000000\r\n")
                    .append("master_repl_offset:").append(offset).append("\r\n\r\n");
            return;
        }
        Instance m = byPort.get(in.masterPort);
        boolean up = m != null && m.master && m.listener.isOpen();
        sb.append("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:").append(in.masterPort)
                .append("\r\nmaster_link_status:").append(up ? "up" : "down")
                .append("\r\nmaster_last_io_seconds_ago:").append(up ? 0 : -1)
                .append("\r\nmaster_sync_in_progress:0\r\n");
        if (!up) {
            sb.append("master_link_down_since_seconds:")
                    .append((System.currentTimeMillis() - in.linkChangedMillis) / 1000).append("\r\n");
        }
        sb.append("slave_read_repl_offset:").append(offset).append("\r\nslave_repl_offset:").append(offset)
                .append("\r\nslave_priority:").append(in.config.getOrDefault("replica-priority", "100"))
                .append("\r\nslave_read_only:1\r\nreplica_announced:1\r\nconnected_slaves:0\r\n")
                .append("master_failover_state:no-failover\r\nmaster_repl_offset:").append(offset).append("\r\n\r\n");
    }

    /** A growable reply buffer, reused by its loop. */
    private static final class Out {
        byte[] bytes = new byte[4096];
        int size;

        void reset() {
            size = 0;
        }

        void raw(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, bytes, size, b.length);
            size += b.length;
        }

        void ascii(String s) {
            raw(s.getBytes(StandardCharsets.UTF_8));
        }

        void bulk(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            ascii("$" + b.length + "\r\n");
            raw(b);
            ascii("\r\n");
        }

        void integer(long n) {
            ascii(":" + n + "\r\n");
        }

        void error(String message) {
            ascii("-" + message + "\r\n");
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }
    }

    /** Every instance by its port. */
    public Map<Integer, Instance> byPort() {
        return new HashMap<>(byPort);
    }
}
