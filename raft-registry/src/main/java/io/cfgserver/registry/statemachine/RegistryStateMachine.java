package io.cfgserver.registry.statemachine;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.PatchPolicy;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.RejectCode;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's replicated state machine: the Raft log of {@link Command}s folded through
 * {@link Transitions#apply} into an immutable {@link RegistryState}.
 *
 * <ul>
 *   <li>{@link #startTransaction} (leader only) refuses a command that is already invalid against
 *       the current state, so it never reaches the log; the client receives the rejection through
 *       {@link RejectedAtLeaderException}.</li>
 *   <li>{@link #applyTransaction} (every peer, in log order) applies it again against the state of
 *       that moment: a rejection then is an ordinary result with no change. It reads no clock and
 *       does no I/O. An entry that does not decode stops the peer: skipping it would fork the state.</li>
 *   <li>Readers take {@link #state()} without locking; {@link #awaitVersion} blocks on a monitor that
 *       every apply signals.</li>
 *   <li>Snapshots are one JSON file with a SHA-256 header ({@link SnapshotFile}), named
 *       {@code snapshot.<term>_<index>} in Ratis' state machine directory.</li>
 * </ul>
 */
public final class RegistryStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryStateMachine.class);

    /** The query that returns the applied index; with the LINEARIZABLE read option it is a read barrier. */
    public static final String BARRIER = "barrier";

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final AtomicReference<RegistryState> state = new AtomicReference<>(RegistryState.empty());
    /** Keeps (state, last applied term-index) consistent for snapshots and restores; readers never take it. */
    private final Object applyLock = new Object();
    /** Signalled after every change of {@link #state}; waited on by {@link #awaitVersion}. */
    private final Object versionMonitor = new Object();

    private final AtomicBoolean leader = new AtomicBoolean();
    private final List<LeaderListener> leaderListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService leaderEvents = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "registry-leader-events");
        t.setDaemon(true);
        return t;
    });
    private volatile RaftPeerId leaderId;
    private volatile Path stateMachineDir;
    private volatile boolean closed;

    /** The state as of the last applied entry. Never blocks. */
    public RegistryState state() {
        return state.get();
    }

    // ---- lifecycle and snapshots ------------------------------------------------------------

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        stateMachineDir = raftStorage.getStorageDir().getStateMachineDir().toPath();
        getLifeCycle().startAndTransition(() -> loadLatestSnapshot(false));
    }

    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    /** Called after Ratis installed a snapshot from the leader: load it, replacing everything. */
    @Override
    public void reinitialize() throws IOException {
        getLifeCycle().startAndTransition(() -> loadLatestSnapshot(true));
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public long takeSnapshot() throws IOException {
        final RegistryState snapshot;
        final TermIndex last;
        synchronized (applyLock) {
            snapshot = state.get();
            last = getLastAppliedTermIndex();
        }
        if (last == null || last.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        Path file = storage.getSnapshotFile(last.getTerm(), last.getIndex()).toPath();
        SnapshotFile.write(file, snapshot);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file, null), last));
        LOG.info("{}: wrote snapshot {} ({} clusters)", getId(), file.getFileName(), snapshot.clusters().size());
        return last.getIndex();
    }

    private void loadLatestSnapshot(boolean required) throws IOException {
        Path latest = null;
        TermIndex latestIndex = null;
        if (Files.isDirectory(stateMachineDir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(stateMachineDir)) {
                for (Path p : files) {
                    Matcher m = SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(p.getFileName().toString());
                    if (m.matches()) {
                        TermIndex ti = TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
                        if (latestIndex == null || ti.getIndex() > latestIndex.getIndex()) {
                            latest = p;
                            latestIndex = ti;
                        }
                    }
                }
            }
        }
        if (latest == null) {
            if (required) {
                throw new IOException("no snapshot in " + stateMachineDir + " after a snapshot was installed");
            }
            return;
        }
        RegistryState loaded = SnapshotFile.read(latest);
        synchronized (applyLock) {
            state.set(loaded);
            setLastAppliedTermIndex(latestIndex);
        }
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(latest, null), latestIndex));
        signalVersionWaiters();
        LOG.info("{}: loaded snapshot {} ({} clusters)", getId(), latest.getFileName(), loaded.clusters().size());
    }

    // ---- transactions -------------------------------------------------------------------------

    /** Leader only: refuse what is already invalid, so that it never enters the log. */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext trx = TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .build();
        CommandResult rejection;
        try {
            Command command = Json.read(request.getMessage().getContent().toByteArray(), Command.class);
            rejection = Transitions.apply(state.get(), leaderCheckOf(command)).result();
        } catch (RuntimeException e) {
            rejection = CommandResult.rejected(RejectCode.INVALID, "the command could not be decoded: " + e.getMessage());
        }
        if (!rejection.ok()) {
            trx.setException(RejectedAtLeaderException.of(rejection));
        }
        return trx;
    }

    /**
     * What {@link #startTransaction} checks of a command: the command itself, except that a policy
     * change's expectation is left to {@link #applyTransaction}. The leader's applied state may be
     * behind what is committed (a leader just elected, or a deposed leader that was paused and does
     * not know yet): refusing a compare-and-set against it would answer from a stale state, which a
     * client could observe as a non-linearizable 409. In the log, the expectation is compared against
     * the state of its turn.
     */
    static Command leaderCheckOf(Command command) {
        return command instanceof PatchPolicy p && p.hasExpectation() ? p.withoutExpectation() : command;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        Command command = decodeOrStop(entry);
        CommandResult result;
        synchronized (applyLock) {
            Transitions.Outcome outcome = Transitions.apply(state.get(), command);
            state.set(outcome.state());
            updateLastAppliedTermIndex(entry.getTerm(), index);
            result = outcome.result().atIndex(index);
        }
        signalVersionWaiters();
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(Json.write(result))));
    }

    /**
     * Throwing (rather than failing the future, which Ratis would log and skip) makes Ratis'
     * state machine updater stop and close this peer.
     */
    private static Command decodeOrStop(LogEntryProto entry) {
        byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
        try {
            return Json.read(data, Command.class);
        } catch (RuntimeException e) {
            String preview = new String(data, 0, Math.min(data.length, 200), StandardCharsets.UTF_8);
            String message = "log entry " + TermIndex.valueOf(entry) + " does not decode as a command, stopping this peer"
                    + " (a newer cfgserver wrote it, or the log is damaged): " + e.getMessage() + "; entry starts with: " + preview;
            LOG.error(message);
            throw new IllegalStateException(message, e);
        }
    }

    /** Queries with this prefix go to the {@link #setPeerQueryHandler peer query handler} (the controller's probes). */
    public static final String PEER_QUERY_PREFIX = "peer:";
    private volatile java.util.function.Function<String, String> peerQueryHandler;

    /**
     * Answers questions another peer asks this one (a stale read, not linearizable): the failure
     * detector asks the followers what their own probes say of a master. Local, not replicated.
     */
    public void setPeerQueryHandler(java.util.function.Function<String, String> handler) {
        this.peerQueryHandler = handler;
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        String q = request.getContent().toStringUtf8();
        if (BARRIER.equals(q)) {
            return CompletableFuture.completedFuture(Message.valueOf(Long.toString(getLastAppliedTermIndex().getIndex())));
        }
        if (q.startsWith(PEER_QUERY_PREFIX)) {
            java.util.function.Function<String, String> h = peerQueryHandler;
            if (h == null) {
                return CompletableFuture.failedFuture(new StateMachineException("this peer answers no peer queries yet", false));
            }
            return CompletableFuture.completedFuture(Message.valueOf(h.apply(q.substring(PEER_QUERY_PREFIX.length()))));
        }
        return CompletableFuture.failedFuture(new StateMachineException("unknown query '" + q + "': the only query is '"
                + BARRIER + "'", false));
    }

    // ---- version watch ------------------------------------------------------------------------

    /**
     * Waits until {@code cluster} exists here with a version above {@code afterVersion}, or the
     * timeout passes, or the state machine closes. Returns the cluster as then known.
     */
    public Optional<Cluster> awaitVersion(String cluster, long afterVersion, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (versionMonitor) {
            while (true) {
                Optional<Cluster> current = state.get().cluster(cluster);
                if (current.isPresent() && current.get().version() > afterVersion) {
                    return current;
                }
                long leftNanos = deadline - System.nanoTime();
                if (leftNanos <= 0 || closed) {
                    return current;
                }
                long millis = Math.max(1, leftNanos / 1_000_000);
                versionMonitor.wait(millis);
            }
        }
    }

    /**
     * Waits until the state is no longer {@code seen} (an entry was applied after it), or the timeout
     * passes, or the state machine closes. Returns the state then. Lets a waiter re-check a condition
     * on every change instead of polling.
     */
    public RegistryState awaitChange(RegistryState seen, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (versionMonitor) {
            long seenPokes = pokes;
            while (state.get() == seen && pokes == seenPokes) {
                long leftNanos = deadline - System.nanoTime();
                if (leftNanos <= 0 || closed) {
                    break;
                }
                versionMonitor.wait(Math.max(1, leftNanos / 1_000_000));
            }
            return state.get();
        }
    }

    /** Wakes every {@link #awaitChange} waiter without a change of state (something they also watch changed). */
    public void poke() {
        synchronized (versionMonitor) {
            pokes++;
            versionMonitor.notifyAll();
        }
    }

    private long pokes; // guarded by versionMonitor

    /**
     * Waits until this peer has applied the log entry at {@code index} (the index a submit's result
     * names). Returns false at the timeout.
     */
    public boolean awaitApplied(long index, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (versionMonitor) {
            while (getLastAppliedTermIndex().getIndex() < index) {
                long leftNanos = deadline - System.nanoTime();
                if (leftNanos <= 0 || closed) {
                    return false;
                }
                versionMonitor.wait(Math.max(1, leftNanos / 1_000_000));
            }
            return true;
        }
    }

    private void signalVersionWaiters() {
        synchronized (versionMonitor) {
            versionMonitor.notifyAll();
        }
    }

    // ---- leadership ---------------------------------------------------------------------------

    /** True once this peer is leader and has committed an entry of its term; false otherwise. */
    public boolean isLeader() {
        return leader.get();
    }

    /** The leader this peer last heard of, or null. */
    public RaftPeerId leaderId() {
        return leaderId;
    }

    /**
     * Registers a listener told {@code true} when this peer becomes a ready leader and
     * {@code false} when it stops being leader (step-down, shutdown). Calls come in order on one
     * dedicated thread, never on a Ratis thread, and only on a change of what that listener was
     * last told (it starts at {@code false}); a listener added while leader is told at once.
     */
    public void addLeaderListener(Consumer<Boolean> listener) {
        LeaderListener l = new LeaderListener(listener);
        leaderListeners.add(l);
        dispatch(() -> l.tell(leader.get()));
    }

    /** A listener and what it was last told; touched only by the leader-events thread. */
    private static final class LeaderListener {
        private final Consumer<Boolean> listener;
        private boolean told;

        LeaderListener(Consumer<Boolean> listener) {
            this.listener = listener;
        }

        void tell(boolean value) {
            if (value == told) {
                return;
            }
            told = value;
            try {
                listener.accept(value);
            } catch (RuntimeException e) {
                LOG.error("leader listener {} failed on {}", listener, value, e);
            }
        }
    }

    @Override
    public void notifyLeaderReady() {
        setLeader(true);
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        setLeader(false);
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId memberId, RaftPeerId newLeaderId) {
        leaderId = newLeaderId;
        if (!memberId.getPeerId().equals(newLeaderId)) {
            setLeader(false);
        }
    }

    @Override
    public void notifyServerShutdown(RoleInfoProto roleInfo, boolean allServer) {
        setLeader(false);
    }

    private void setLeader(boolean value) {
        if (leader.compareAndSet(!value, value)) {
            LOG.info("{}: {} leader", getId(), value ? "is now" : "is no longer");
            dispatch(() -> leaderListeners.forEach(l -> l.tell(value)));
        }
    }

    private void dispatch(Runnable r) {
        try {
            leaderEvents.execute(r);
        } catch (RejectedExecutionException e) {
            LOG.debug("{}: closed, leader event dropped", getId());
        }
    }

    @Override
    public void close() throws IOException {
        setLeader(false);
        closed = true;
        signalVersionWaiters();
        leaderEvents.shutdown();
        super.close();
    }
}
