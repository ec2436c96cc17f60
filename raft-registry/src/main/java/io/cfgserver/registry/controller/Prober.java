package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.RegistryState;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every instance of every cluster ({@code PING} + {@code INFO replication} pipelined in one
 * write, on one kept-open connection per instance) on a period: masters every
 * {@code controller.probePeriod}, replicas every policy {@code replicaProbePeriodMillis} (0: as often
 * as masters), and as often as masters while their master's last probe failed (a failover ranks them
 * on fresh views). Runs on every peer: the leader acts on its own view, the followers' views confirm a
 * master's failure.
 *
 * <p>One thread and one selector do everything: connecting, writing, reading, timeouts and the
 * schedule. The schedule is a grid: each instance has a fixed slot among up to 10 per probe period, so
 * a few instances are probed together (one wake-up per period when idle) and many are spread evenly.
 * One probe per instance is in flight at a time, so results arrive in order. A failed probe says what
 * kind of failure it was ({@link ProbeFailure}): a refusal (the process is gone, its host is up), a
 * timeout, an error reply (the process lives).
 */
public final class Prober implements Probes, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Prober.class);

    /**
     * What is known of one instance: since when it is tracked, its last valid reply and last result,
     * and whether every probe since the last valid reply (at least one) was refused.
     */
    public record View(long sinceNanos, long lastOkNanos, ProbeResult last, Usage usage, boolean refusedOnly,
            long refusedSinceNanos) {
        /** {@link #refusedSinceNanos} when the last probe was not refused. */
        public static final long NOT_REFUSED = Long.MIN_VALUE;

        /** Without usage (not read yet). */
        public View(long sinceNanos, long lastOkNanos, ProbeResult last) {
            this(sinceNanos, lastOkNanos, last, null, false, NOT_REFUSED);
        }

        public View(long sinceNanos, long lastOkNanos, ProbeResult last, Usage usage) {
            this(sinceNanos, lastOkNanos, last, usage, false, NOT_REFUSED);
        }

        public View(long sinceNanos, long lastOkNanos, ProbeResult last, Usage usage, boolean refusedOnly) {
            this(sinceNanos, lastOkNanos, last, usage, refusedOnly, NOT_REFUSED);
        }

        /** Nanoseconds without a valid reply (since tracking started when there never was one). */
        public long silentNanos(long now) {
            return now - Math.max(sinceNanos, lastOkNanos);
        }
    }

    /**
     * What an instance uses, read with {@code INFO memory} and {@code INFO clients} at most every
     * {@link #USAGE_PERIOD_NANOS} (pipelined behind a probe, not on every one: the probe stays cheap); -1
     * where unknown.
     */
    public record Usage(long atNanos, long usedMemoryBytes, long maxMemoryBytes, long connectedClients) {
    }

    static final long USAGE_PERIOD_NANOS = 5_000_000_000L;
    /** The most slots a probe period is cut into (a wake-up every period / 10 at most, for the schedule). */
    static final int MAX_SLOTS = 10;
    /** Instances per slot before the period is cut into more slots. */
    static final int PER_SLOT = 100;

    private static final byte[] PROBE = resp(new String[] {"PING"}, new String[] {"INFO", "replication"});
    private static final byte[] PROBE_WITH_USAGE = resp(new String[] {"PING"}, new String[] {"INFO", "replication"},
            new String[] {"INFO", "memory"}, new String[] {"INFO", "clients"});

    private final Supplier<RegistryState> state;
    private final ControllerConfig config;
    private final LongSupplier nanos;
    private final FaultHooks hooks;
    private final Map<Address, Tracked> tracked = new ConcurrentHashMap<>();
    private final Selector selector;
    private Thread io;
    private volatile boolean closed;
    private volatile ControllerObserver observer = ControllerObserver.NONE;

    // ---- io thread only ----
    private RegistryState lastState;
    private final List<Tracked> schedule = new ArrayList<>();
    private long slotNanos;

    private enum Phase { IDLE, CONNECTING, WRITING, READING }

    /** One instance: its published view (any thread) and its connection and schedule (the io thread's). */
    private static final class Tracked {
        final Address address;
        final long since;
        volatile View view;
        // io thread only
        InetSocketAddress socketAddress;
        SocketChannel channel;
        SelectionKey key;
        Phase phase = Phase.IDLE;
        boolean reused;
        boolean retried;
        boolean late; // this probe's TIMEOUT was published; a reply may still come
        boolean withUsage;
        long startNanos;
        long deadlineNanos;
        long dueNanos;
        long usageDueNanos;
        long periodNanos;
        Tracked master; // a replica's group master (its failure makes this replica's probes fast)
        boolean wanted;
        ByteBuffer out;
        ByteBuffer in = ByteBuffer.allocate(1024);

        Tracked(Address address, long since) {
            this.address = address;
            this.since = since;
            this.view = new View(since, 0, null, null, false, View.NOT_REFUSED);
        }
    }

    public Prober(Supplier<RegistryState> state, ControllerConfig config, LongSupplier nanos, FaultHooks hooks) {
        this.state = state;
        this.config = config;
        this.nanos = nanos;
        this.hooks = hooks;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new IllegalStateException("the prober cannot open a selector: " + e.getMessage(), e);
        }
    }

    public synchronized Prober start() {
        if (io == null) {
            io = new Thread(this::loop, "prober");
            io.setDaemon(true);
            io.start();
        }
        return this;
    }

    /** Who hears of every probe (metrics); {@link ControllerObserver#NONE} by default. */
    public Prober observe(ControllerObserver o) {
        this.observer = o == null ? ControllerObserver.NONE : o;
        return this;
    }

    // ---- the loop: schedule, select, timeouts --------------------------------------------------

    private void loop() {
        long nextScan = nanos.getAsLong();
        while (!closed) {
            try {
                long now = nanos.getAsLong();
                if (now - nextScan >= 0) {
                    nextScan = scan(now);
                }
                long waitMillis = Math.max(1, (nextScan - nanos.getAsLong() + 999_999) / 1_000_000);
                if (selector.select(waitMillis) > 0) {
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        ready(k);
                    }
                }
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("probe loop: {}", e.toString());
                nextScan = nanos.getAsLong() + config.probePeriod().toNanos();
            }
        }
    }

    /** Follows the topology, starts the probes that are due, times out late ones; returns the next scan time. */
    private long scan(long now) {
        RegistryState s = state.get();
        if (s != lastState) {
            follow(s, now);
            lastState = s;
        }
        long timeout = config.probeTimeout().toNanos();
        long next = now + slotNanos;
        for (Tracked t : schedule) {
            if (t.phase != Phase.IDLE && !t.late && now - t.deadlineNanos >= 0) {
                // the probe failed; the connection (or the connect) stays a while for a late answer, and no
                // new probe is sent meanwhile: reconnecting a busy server every period only adds to its load
                // (a SYN and an accept-queue entry per attempt)
                t.late = true;
                record(t, ProbeResult.failed(now, ProbeFailure.TIMEOUT, (t.phase == Phase.CONNECTING
                        ? "connect timed out after " : "no reply within ") + timeout / 1_000_000 + " ms"), null, now);
            } else if (t.phase != Phase.IDLE && t.late && now - t.startNanos - staleNanos() >= 0) {
                closeChannel(t); // no reply at all: the next probe starts on a new connection
            }
            if (t.phase != Phase.IDLE) {
                next = Math.min(next, t.late ? t.startNanos + staleNanos() : t.deadlineNanos);
            }
            if (t.phase == Phase.IDLE && now - t.dueNanos >= -slotNanos / 2) {
                long period = period(t);
                t.dueNanos = now - t.dueNanos > period ? now + period : t.dueNanos + period;
                begin(t, now, timeout);
                if (t.phase != Phase.IDLE) {
                    next = Math.min(next, t.deadlineNanos);
                }
            }
        }
        return next;
    }

    /** How long a connection waits for a late reply before it is closed: max(1 s, 3 probe timeouts). */
    private long staleNanos() {
        return Math.max(1_000_000_000L, 3 * config.probeTimeout().toNanos());
    }

    /** A replica whose master's last probe failed is probed as often as masters. */
    private long period(Tracked t) {
        Tracked m = t.master;
        if (m != null) {
            ProbeResult last = m.view.last();
            if (last != null && !last.ok()) {
                return config.probePeriod().toNanos();
            }
        }
        return t.periodNanos;
    }

    /** The instances of every cluster: new ones tracked (each in its slot of the grid), gone ones closed. */
    private void follow(RegistryState s, long now) {
        long masterPeriod = config.probePeriod().toNanos();
        Map<Address, Long> periods = new HashMap<>();
        Map<Address, Address> masterOf = new HashMap<>();
        for (Cluster c : s.clusters().values()) {
            long replicaPeriod = c.policy().replicaProbePeriodMillis() > 0
                    ? Math.max(masterPeriod, c.policy().replicaProbePeriodMillis() * 1_000_000L) : masterPeriod;
            for (Group g : c.groups()) {
                Address m = g.master().address();
                periods.merge(m, masterPeriod, Math::min);
                for (Instance r : g.replicas()) {
                    periods.merge(r.address(), replicaPeriod, Math::min);
                    masterOf.putIfAbsent(r.address(), m);
                }
            }
        }
        int slots = Math.max(1, Math.min(MAX_SLOTS, (periods.size() + PER_SLOT - 1) / PER_SLOT));
        slotNanos = masterPeriod / slots;
        for (Tracked t : schedule) {
            t.wanted = false;
        }
        int i = 0;
        for (Map.Entry<Address, Long> e : periods.entrySet()) {
            Tracked t = tracked.get(e.getKey());
            if (t == null) {
                t = new Tracked(e.getKey(), now);
                t.socketAddress = new InetSocketAddress(e.getKey().host(), e.getKey().port());
                t.dueNanos = now + (i % slots) * slotNanos;
                tracked.put(t.address, t);
                schedule.add(t);
            }
            t.wanted = true;
            t.periodNanos = e.getValue();
            i++;
        }
        for (Tracked t : schedule) {
            Address m = masterOf.get(t.address);
            t.master = m == null ? null : tracked.get(m);
        }
        schedule.removeIf(t -> {
            if (t.wanted) {
                return false;
            }
            tracked.remove(t.address);
            closeChannel(t);
            return true;
        });
    }

    // ---- one probe: connect (or reuse), write, read, classify ----------------------------------

    private void begin(Tracked t, long now, long timeout) {
        t.startNanos = now;
        t.deadlineNanos = now + timeout;
        t.retried = false;
        t.late = false;
        if (hooks.unreachable(t.address)) {
            closeChannel(t);
            // a partition, as the test hook means it: nothing answers, nothing refuses
            publish(t, ProbeResult.failed(now, ProbeFailure.TIMEOUT, "instance unreachable (test hook)"), now);
            return;
        }
        t.withUsage = now - t.usageDueNanos >= 0;
        t.out = ByteBuffer.wrap(t.withUsage ? PROBE_WITH_USAGE : PROBE);
        t.in.clear();
        if (t.channel != null && t.channel.isConnected()) {
            t.reused = true;
            write(t, now);
        } else {
            connect(t, now);
        }
    }

    private void connect(Tracked t, long now) {
        closeChannel(t);
        t.reused = false;
        t.in.clear();
        t.out.rewind();
        try {
            SocketChannel ch = SocketChannel.open();
            t.channel = ch;
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (ch.connect(t.socketAddress)) {
                t.key = ch.register(selector, 0, t);
                write(t, now);
            } else {
                t.phase = Phase.CONNECTING;
                t.key = ch.register(selector, SelectionKey.OP_CONNECT, t);
            }
        } catch (IOException e) {
            connectFailed(t, e, now);
        }
    }

    private void ready(SelectionKey k) {
        Tracked t = (Tracked) k.attachment();
        if (!k.isValid() || t.key != k) {
            return;
        }
        long now = nanos.getAsLong();
        try {
            if (t.phase == Phase.CONNECTING && k.isConnectable()) {
                try {
                    t.channel.finishConnect();
                } catch (IOException e) {
                    connectFailed(t, e, now);
                    return;
                }
                write(t, now);
            } else if (t.phase == Phase.WRITING && k.isWritable()) {
                write(t, now);
            } else if (t.phase == Phase.READING && k.isReadable()) {
                read(t, now);
            } else if (t.phase == Phase.IDLE) {
                k.interestOps(0);
            }
        } catch (RuntimeException e) {
            fail(t, ProbeFailure.OTHER, e.toString(), now);
        }
    }

    private void write(Tracked t, long now) {
        try {
            t.channel.write(t.out);
        } catch (IOException e) {
            closedBeforeReply(t, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), now);
            return;
        }
        if (t.out.hasRemaining()) {
            t.phase = Phase.WRITING;
            t.key.interestOps(SelectionKey.OP_WRITE);
        } else {
            t.phase = Phase.READING;
            t.key.interestOps(SelectionKey.OP_READ);
        }
    }

    private void read(Tracked t, long now) {
        int n;
        try {
            if (!t.in.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(t.in.capacity() * 2);
                t.in.flip();
                bigger.put(t.in);
                t.in = bigger;
            }
            n = t.channel.read(t.in);
        } catch (IOException e) {
            closedBeforeReply(t, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), now);
            return;
        }
        if (n < 0) {
            closedBeforeReply(t, "connection closed without a reply", now);
            return;
        }
        int expected = t.withUsage ? 4 : 2;
        byte[] a = t.in.array();
        int limit = t.in.position();
        int[] ends = new int[expected];
        int at = 0;
        for (int r = 0; r < expected; r++) {
            int end = Resp.end(a, at, limit);
            if (end < 0) {
                return; // more to come
            }
            ends[r] = end;
            at = end;
        }
        t.phase = Phase.IDLE;
        t.key.interestOps(0);
        complete(t, a, ends, now);
        t.in.clear();
        if (t.in.capacity() > 64 * 1024) {
            t.in = ByteBuffer.allocate(1024);
        }
    }

    /** Every reply is in: PING, INFO replication (and, with usage, INFO memory and INFO clients). */
    private void complete(Tracked t, byte[] a, int[] ends, long now) {
        String pingError = Resp.error(a, 0, ends[0]);
        if (pingError != null) {
            publish(t, ProbeResult.failed(now, ProbeFailure.ERROR_REPLY, "PING answered -" + pingError), now);
            return;
        }
        if (!Resp.isSimple(a, 0, ends[0], "PONG")) {
            closeChannel(t);
            publish(t, ProbeResult.failed(now, ProbeFailure.OTHER, "PING answered "
                    + Resp.text(a, 0, ends[0]).trim()), now);
            return;
        }
        String infoError = Resp.error(a, ends[0], ends[1]);
        if (infoError != null) {
            publish(t, ProbeResult.failed(now, ProbeFailure.ERROR_REPLY, "INFO answered -" + infoError), now);
            return;
        }
        String info = Resp.bulk(a, ends[0], ends[1]);
        if (info == null) {
            closeChannel(t);
            publish(t, ProbeResult.failed(now, ProbeFailure.OTHER, "INFO answered "
                    + Resp.text(a, ends[0], ends[1]).trim()), now);
            return;
        }
        Usage usage = null;
        if (t.withUsage) {
            t.usageDueNanos = now + USAGE_PERIOD_NANOS;
            String memory = Resp.bulk(a, ends[1], ends[2]);
            String clients = Resp.bulk(a, ends[2], ends[3]);
            if (memory != null && clients != null) { // the probe itself was answered: it stands either way
                usage = parseUsage(memory + "\n" + clients, now);
            }
        }
        publish(t, parse(info, now), usage, now);
    }

    private void connectFailed(Tracked t, IOException e, long now) {
        closeChannel(t);
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        ProbeFailure kind = e instanceof NoRouteToHostException || msg.contains("timed out") ? ProbeFailure.TIMEOUT
                : e instanceof ConnectException ? ProbeFailure.REFUSED
                : ProbeFailure.OTHER;
        publish(t, ProbeResult.failed(now, kind, "connect: " + msg), now);
    }

    /**
     * The connection closed (or reset) before every reply was in. A connection kept open from earlier
     * probes may just have been closed by the server (its {@code timeout}, a restart): reconnect once,
     * in the same probe. A fresh connection that closes without a reply is a refusal: a TCP relay in
     * front of a dead process accepts, then closes.
     */
    private void closedBeforeReply(Tracked t, String why, long now) {
        if (t.reused && !t.retried) {
            t.retried = true;
            t.deadlineNanos = now + config.probeTimeout().toNanos();
            connect(t, now);
            return;
        }
        closeChannel(t);
        publish(t, ProbeResult.failed(now, ProbeFailure.REFUSED, why + (t.retried ? " (and again on a new connection)" : "")),
                now);
    }

    private void fail(Tracked t, ProbeFailure kind, String why, long now) {
        closeChannel(t);
        publish(t, ProbeResult.failed(now, kind, why), now);
    }

    private void publish(Tracked t, ProbeResult r, long now) {
        publish(t, r, null, now);
    }

    private void publish(Tracked t, ProbeResult r, Usage usage, long now) {
        t.phase = Phase.IDLE;
        if (t.key != null && t.key.isValid()) {
            t.key.interestOps(0);
        }
        boolean wasLate = t.late;
        t.late = false;
        if (wasLate && r.failure() == ProbeFailure.TIMEOUT) {
            return; // this probe's timeout was published when it happened
        }
        record(t, r, usage, now);
    }

    /** The result becomes the instance's view; the observer hears of it. */
    private void record(Tracked t, ProbeResult r, Usage usage, long now) {
        View was = t.view;
        View next;
        if (r.ok()) {
            next = new View(t.since, r.atNanos(), r, usage != null ? usage : was.usage(), false, View.NOT_REFUSED);
        } else {
            boolean failingAlready = was.last() != null && !was.last().ok();
            boolean refused = r.failure() == ProbeFailure.REFUSED;
            boolean refusedOnly = refused && (!failingAlready || was.refusedOnly());
            // the start of the unbroken run of refusals this one belongs to (a timeout ends a run)
            long refusedSince = !refused ? View.NOT_REFUSED
                    : was.refusedSinceNanos() != View.NOT_REFUSED && failingAlready ? was.refusedSinceNanos() : r.atNanos();
            next = new View(t.since, was.lastOkNanos(), r, was.usage(), refusedOnly, refusedSince);
        }
        t.view = next;
        try { // after the result is visible: the observer never delays detection
            observer.probed(t.address, r.ok(), now - t.startNanos);
        } catch (RuntimeException e) {
            LOG.debug("probe observer failed: {}", e.toString());
        }
    }

    private void closeChannel(Tracked t) {
        SocketChannel ch = t.channel;
        t.channel = null;
        t.key = null;
        t.phase = Phase.IDLE;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // already broken
            }
        }
    }

    // ---- parsing -------------------------------------------------------------------------------

    /** The {@code field:value} lines of an INFO answer (section headers skipped). */
    static Map<String, String> infoFields(String info) {
        Map<String, String> f = new HashMap<>();
        forEachField(info, (k, v) -> f.put(k, v));
        return f;
    }

    private interface FieldSink {
        void field(String key, String value);
    }

    /** Every {@code field:value} line, without a regular expression or a copy of the text per line. */
    private static void forEachField(String info, FieldSink sink) {
        int n = info.length();
        int i = 0;
        while (i < n) {
            int eol = info.indexOf('\n', i);
            if (eol < 0) {
                eol = n;
            }
            int end = eol > i && info.charAt(eol - 1) == '\r' ? eol - 1 : eol;
            if (end > i && info.charAt(i) != '#') {
                int colon = info.indexOf(':', i);
                if (colon > i && colon < end) {
                    sink.field(info.substring(i, colon), info.substring(colon + 1, end).trim());
                }
            }
            i = eol + 1;
        }
    }

    static ProbeResult parse(String info, long at) {
        // role, master_host, master_port, master_link_status, master_link_down_since_seconds,
        // slave_repl_offset, master_repl_offset
        String[] v = new String[7];
        forEachField(info, (k, value) -> {
            switch (k) {
                case "role" -> v[0] = value;
                case "master_host" -> v[1] = value;
                case "master_port" -> v[2] = value;
                case "master_link_status" -> v[3] = value;
                case "master_link_down_since_seconds" -> v[4] = value;
                case "slave_repl_offset" -> v[5] = value;
                case "master_repl_offset" -> v[6] = value;
                default -> {
                }
            }
        });
        ProbeRole role = ProbeRole.parse(v[0]);
        if (role == ProbeRole.REPLICA) {
            Address master = null;
            try {
                master = new Address(v[1], Integer.parseInt(v[2] == null ? "0" : v[2]));
            } catch (RuntimeException e) {
                // not known yet
            }
            boolean up = "up".equals(v[3]);
            return new ProbeResult(true, at, role, master, up, parseLong(v[4], -1), parseLong(v[5], -1), null, null);
        }
        return new ProbeResult(true, at, role, null, false, -1, parseLong(v[6], -1), null, null);
    }

    static Usage parseUsage(String info, long at) {
        Map<String, String> f = infoFields(info);
        return new Usage(at, parseLong(f.get("used_memory"), -1), parseLong(f.get("maxmemory"), -1),
                parseLong(f.get("connected_clients"), -1));
    }

    private static long parseLong(String s, long fallback) {
        try {
            return s == null ? fallback : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static byte[] resp(String[]... commands) {
        StringBuilder sb = new StringBuilder();
        for (String[] c : commands) {
            sb.append('*').append(c.length).append("\r\n");
            for (String arg : c) {
                sb.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
            }
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    // ---- what other peers and the controller ask -----------------------------------------------

    /** The view of an instance, or empty if it is not (yet) probed. */
    @Override
    public Optional<View> view(Address address) {
        Tracked t = tracked.get(address);
        return t == null ? Optional.empty() : Optional.of(t.view);
    }

    /** Subjectively down: no valid reply for longer than {@code downAfterMillis} (unknown instances are not down). */
    @Override
    public boolean sdown(Address address, long downAfterMillis) {
        return view(address).map(v -> v.silentNanos(nanos.getAsLong()) > downAfterMillis * 1_000_000L).orElse(false);
    }

    /**
     * Down by refusal: the process is gone while its host answers (a crash, a kill). Either every probe
     * since the last valid reply (at least one) was refused and there has been no valid reply for longer
     * than {@code refusedAfterMillis}, or the probes have been refused without a break for that long (a
     * probe that timed out at the moment of the crash does not spoil the rest of the episode). False for
     * an instance that is not tracked.
     */
    @Override
    public boolean refusedDown(Address address, long refusedAfterMillis) {
        long now = nanos.getAsLong();
        long after = refusedAfterMillis * 1_000_000L;
        // every failure since the last reply refused, or (a timeout at the moment of the crash, then refusals)
        // an unbroken run of refusals as long as the threshold
        return view(address).map(v -> (v.refusedOnly() && v.silentNanos(now) > after)
                || (v.refusedSinceNanos() != View.NOT_REFUSED && now - v.refusedSinceNanos() > after)).orElse(false);
    }

    /** The answer to another peer's {@link PeerQuestion}. */
    public String answer(String question) {
        return PeerQuestion.answer(this, nanos, question);
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        Thread t;
        synchronized (this) {
            t = io;
        }
        if (t != null) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Tracked x : tracked.values()) {
            closeChannel(x);
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** The few RESP reply shapes a probe reads, over a byte array (no copies until a value is kept). */
    static final class Resp {
        private Resp() {
        }

        /** The index just past the reply starting at {@code from}, or -1 when it is not complete before {@code limit}. */
        static int end(byte[] a, int from, int limit) {
            if (from >= limit) {
                return -1;
            }
            int eol = lineEnd(a, from, limit);
            if (eol < 0) {
                return -1;
            }
            byte type = a[from];
            switch (type) {
                case '+', '-', ':' -> {
                    return eol + 2;
                }
                case '$' -> {
                    long len = number(a, from + 1, eol);
                    if (len < 0) {
                        return eol + 2; // null bulk
                    }
                    long end = eol + 2 + len + 2;
                    return end <= limit ? (int) end : -1;
                }
                case '*' -> {
                    long count = number(a, from + 1, eol);
                    int at = eol + 2;
                    for (long i = 0; i < count; i++) {
                        at = end(a, at, limit);
                        if (at < 0) {
                            return -1;
                        }
                    }
                    return at;
                }
                default -> throw new IllegalStateException("not a RESP reply: starts with byte " + type);
            }
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

        /** The message of an error reply, or null when the reply is not an error. */
        static String error(byte[] a, int from, int end) {
            return a[from] == '-' ? new String(a, from + 1, end - from - 3, StandardCharsets.UTF_8) : null;
        }

        static boolean isSimple(byte[] a, int from, int end, String expected) {
            if (a[from] != '+' || end - from - 3 != expected.length()) {
                return false;
            }
            for (int i = 0; i < expected.length(); i++) {
                if (a[from + 1 + i] != expected.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** The text of a bulk reply, or null when it is not one (or a null bulk). */
        static String bulk(byte[] a, int from, int end) {
            if (a[from] != '$') {
                return null;
            }
            int eol = lineEnd(a, from, end);
            long len = number(a, from + 1, eol);
            return len < 0 ? null : new String(a, eol + 2, (int) len, StandardCharsets.UTF_8);
        }

        static String text(byte[] a, int from, int end) {
            return new String(a, from, Math.min(end - from, 200), StandardCharsets.UTF_8);
        }
    }
}
