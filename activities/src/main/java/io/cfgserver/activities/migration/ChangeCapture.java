package io.cfgserver.activities.migration;

import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Slots;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Reads an instance's replication stream as a replica would ({@code PSYNC} from its current offset)
 * and marks every key of a slot range that a command touches as dirty: the change tracking of slot
 * migration (DESIGN.md §5), on vanilla Redis 7.0.
 *
 * <p>Read it from a <b>replica</b> of the source group when there is one: a replica forwards its
 * master's stream byte for byte with the same offsets, and a sub-replica is invisible to the
 * master's {@code WAIT} and {@code min-replicas-to-write} (it acks the replica, not the master). On
 * a master (a group without replicas) the capture acknowledges offset 0 only, so {@code WAIT} never
 * counts it; such a group has no replicas for {@code min-replicas-to-write} to count anyway. The
 * capture announces no listening port: masters list it with {@code port=0}, which no registered
 * instance has.
 *
 * <p>It stops with a reason (never silently) when the stream breaks, when a command's keys cannot
 * be known, on {@code FLUSHALL}, {@code FLUSHDB} or {@code SWAPDB}, and on a write to a database
 * other than 0 (the one twemproxy uses) and {@link FencingStamp#DB} (the controller's stamp).
 */
public final class ChangeCapture implements AutoCloseable {
    /** Why the capture stopped; the move must start its copy again (or abort, for a flush). */
    public record Failure(String reason, boolean abortsMove) {
    }

    private final Address source;
    private final int fromSlot;
    private final int toSlot;
    private final boolean ackRealOffset;
    private final Set<ByteBuffer> dirty = ConcurrentHashMap.newKeySet();
    private final Socket socket;
    private final RespReader in;
    private final OutputStream out;
    private final CommandTable commands;
    private final Jedis keysClient;
    private final ScheduledExecutorService acks;
    private final Thread reader;
    private final long startOffset;
    private volatile long offset;
    private volatile long streamStart;
    private volatile Failure failure;
    private volatile boolean closed;
    private volatile long commandsSeen;

    private ChangeCapture(Address source, int fromSlot, int toSlot, int timeoutMillis) throws IOException {
        this.source = source;
        this.fromSlot = fromSlot;
        this.toSlot = toSlot;
        this.keysClient = jedis(source, timeoutMillis);
        Map<String, String> info = info(keysClient.info("replication"));
        this.ackRealOffset = "slave".equals(info.get("role"));
        this.commands = new CommandTable(CommandTable.parse(keysClient.sendCommand(Protocol.Command.COMMAND)), this::getKeys);
        this.socket = new Socket();
        socket.connect(new InetSocketAddress(source.host(), source.port()), timeoutMillis);
        socket.setSoTimeout(timeoutMillis * 10);
        socket.setTcpNoDelay(true);
        this.in = new RespReader(socket.getInputStream());
        this.out = socket.getOutputStream();
        expectOk("PING", send("PING"), "+PONG");
        expectOk("REPLCONF capa", send("REPLCONF", "capa", "eof", "capa", "psync2"), "+OK");
        String replid = info.get("master_replid");
        long at = Long.parseLong(info.getOrDefault("master_repl_offset", "0"));
        String reply = send("PSYNC", replid, Long.toString(at + 1));
        if (reply.startsWith("+CONTINUE")) {
            this.startOffset = at;
        } else if (reply.startsWith("+FULLRESYNC")) {
            // the instance could not continue from its own offset (no backlog yet): skip the snapshot,
            // capture from the offset it names (the bulk copy that follows reads the values)
            this.startOffset = Long.parseLong(reply.split(" ")[2]);
            skipRdb();
        } else {
            throw new IOException("PSYNC on " + source + " answered " + reply);
        }
        streamStart = in.consumed();
        offset = startOffset;
        socket.setSoTimeout(0);
        this.acks = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "capture-ack-" + source));
        acks.scheduleAtFixedRate(this::ack, 1, 1, TimeUnit.SECONDS);
        this.reader = daemon(this::readLoop, "capture-" + source);
        reader.start();
    }

    /** Starts capturing the changes of slots {@code from..to} on {@code source} from its current offset. */
    public static ChangeCapture start(Address source, int fromSlot, int toSlot, Duration timeout) throws IOException {
        return new ChangeCapture(source, fromSlot, toSlot, (int) timeout.toMillis());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static Jedis jedis(Address a, int timeoutMillis) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis)
                .protocol(RedisProtocol.RESP2).build());
    }

    static Map<String, String> info(String text) {
        Map<String, String> f = new HashMap<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                f.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return f;
    }

    private String send(String... args) throws IOException {
        write(args);
        return in.line();
    }

    private void write(String... args) throws IOException {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        synchronized (out) {
            out.write(b.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private void expectOk(String what, String reply, String expected) throws IOException {
        if (!reply.startsWith(expected)) {
            throw new IOException(what + " on " + source + " answered " + reply);
        }
    }

    private void skipRdb() throws IOException {
        // while the instance prepares the snapshot it sends bare newlines as keepalives
        String header = in.line().replace("\n", "");
        if (header.startsWith("$EOF:")) {
            in.skipPast(header.substring(5).getBytes(StandardCharsets.US_ASCII));
        } else if (header.startsWith("$")) {
            in.skip(Long.parseLong(header.substring(1)));
        } else {
            throw new IOException("expected the RDB payload after FULLRESYNC, got " + header);
        }
    }

    /** Acks the offset read so far (a replica source) or 0 (a master: WAIT must never count the capture). */
    private void ack() {
        try {
            write("REPLCONF", "ACK", Long.toString(ackRealOffset ? offset : 0));
        } catch (IOException e) {
            fail("the capture connection to " + source + " broke: " + e.getMessage(), false);
        }
    }

    private void readLoop() {
        int db = 0;
        try {
            while (!closed && failure == null) {
                List<byte[]> args = in.command();
                if (!args.isEmpty()) {
                    db = apply(args, db);
                    commandsSeen++;
                }
                offset = startOffset + (in.consumed() - streamStart);
            }
        } catch (CommandTable.UnknownCommandException e) {
            fail(e.getMessage() + ": the move is aborted rather than miss a write", true);
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                fail("the replication stream of " + source + " broke: " + e, false);
            }
        }
    }

    /** Marks the keys the command touches; returns the database selected after it. */
    private int apply(List<byte[]> args, int db) {
        String name = RespReader.text(args.get(0)).toLowerCase(Locale.ROOT);
        switch (name) {
            case "ping", "replconf", "multi", "exec", "discard":
                return db;
            case "select":
                return Integer.parseInt(RespReader.text(args.get(1)));
            case "flushall", "flushdb", "swapdb":
                if (name.equals("flushdb") && db != 0) {
                    return db;
                }
                fail(name.toUpperCase(Locale.ROOT) + " on " + source + " while its slots " + fromSlot + ".." + toSlot
                        + " were moving: the move is aborted (start it again once the data is what it should be)", true);
                return db;
            default:
                break;
        }
        if (db == FencingStamp.DB) {
            return db;
        }
        CommandTable.Spec spec = commands.spec(args);
        if (db != 0 && spec.write()) {
            fail("a write (" + name + ") to database " + db + " of " + source + ": twemproxy clients use only database 0,"
                    + " so something else writes this instance; the move is aborted", true);
            return db;
        }
        for (byte[] key : commands.keys(args)) {
            int slot = Slots.slot(key);
            if (slot >= fromSlot && slot <= toSlot) {
                dirty.add(ByteBuffer.wrap(key));
            }
        }
        return db;
    }

    private List<byte[]> getKeys(List<byte[]> args) {
        byte[][] a = new byte[args.size() + 1][];
        a[0] = "GETKEYS".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < args.size(); i++) {
            a[i + 1] = args.get(i);
        }
        try {
            synchronized (keysClient) {
                Object r = keysClient.sendCommand(Protocol.Command.COMMAND, a);
                List<byte[]> keys = new ArrayList<>();
                for (Object k : (List<?>) r) {
                    keys.add((byte[]) k);
                }
                return keys;
            }
        } catch (JedisDataException e) {
            return List.of(); // "the command has no key arguments"
        }
    }

    private void fail(String reason, boolean abortsMove) {
        if (failure == null) {
            failure = new Failure(reason, abortsMove);
        }
    }

    /** The replication offset read so far. */
    public long offset() {
        return offset;
    }

    public long startOffset() {
        return startOffset;
    }

    public long commandsSeen() {
        return commandsSeen;
    }

    /** Why the capture stopped, empty while it runs. */
    public Optional<Failure> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Waits until the capture has read at least {@code target} (a master's offset read under a write
     * pause: replica PINGs move it on, so "at least", never "exactly"). False at the timeout or when
     * the capture failed.
     */
    public boolean awaitOffset(long target, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (offset < target && failure == null) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return failure == null;
    }

    /** The dirty keys marked since the last call (at most {@code max}), removed from the set. */
    public List<byte[]> drainDirty(int max) {
        List<byte[]> out = new ArrayList<>();
        for (ByteBuffer k : dirty) {
            if (out.size() >= max) {
                break;
            }
            if (dirty.remove(k)) {
                out.add(k.array());
            }
        }
        return out;
    }

    public int dirtyCount() {
        return dirty.size();
    }

    @Override
    public void close() {
        closed = true;
        if (acks != null) {
            acks.shutdownNow();
        }
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
        keysClient.close();
    }
}
