package io.cfgserver.registry.server;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.client.RegistryInfo.PeerInfo;
import io.cfgserver.registry.client.RegistryUnavailableException;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.statemachine.RegistryStateMachine;
import io.cfgserver.registry.statemachine.RejectedAtLeaderException;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One registry peer: a Ratis server holding the {@link RegistryStateMachine}, and a Ratis client
 * for the group through which this process submits commands, reads and changes membership.
 *
 * <p>Writes go to the leader (the client follows redirects and retries, with one call id, until
 * the request timeout). Reads are linearizable: a read barrier is sent to <em>this</em> peer, which
 * (with Ratis' LINEARIZABLE read option) asks the leader for its commit index and waits until it has
 * applied that far; then the local state is returned. Followers thus serve reads too.
 *
 * <p>Adding a peer: start the new peer with {@link #start} and a config listing the new full
 * membership (it starts empty), then call {@link #setPeers} with that membership on any running peer.
 * Removing one: call {@link #setPeers} without it, then close it.
 */
public final class RegistryPeer implements RegistryClient, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryPeer.class);
    private static final Duration RETRY_SLEEP = Duration.ofMillis(50);
    private static final Duration MAX_RPC_TIMEOUT = Duration.ofSeconds(3);
    private static final int SNAPSHOTS_RETAINED = 3;

    private final PeerConfig config;
    private final RaftGroupId groupId;
    private final RaftPeerId selfId;
    private final RegistryStateMachine stateMachine;
    private final RaftServer server;
    private final RaftClient client;
    private final DeadlineRetryPolicy retry;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RegistryPeer(PeerConfig config, RaftGroupId groupId, RegistryStateMachine stateMachine, RaftServer server,
            RaftClient client, DeadlineRetryPolicy retry) {
        this.config = config;
        this.groupId = groupId;
        this.selfId = RaftPeerId.valueOf(config.id());
        this.stateMachine = stateMachine;
        this.server = server;
        this.client = client;
        this.retry = retry;
    }

    /**
     * Starts a peer. Its storage is {@code dataDir/<id>}: recovered when it holds the group
     * already (a restart), formatted otherwise (a new group, or a new peer about to be added).
     *
     * @throws RegistryPeerException when Ratis cannot start (port taken, unreadable storage, corrupt snapshot)
     */
    public static RegistryPeer start(PeerConfig config) {
        return start(config, properties -> { });
    }

    /** As {@link #start(PeerConfig)}, with extra Ratis settings applied last (tests: tiny log segments). */
    static RegistryPeer start(PeerConfig config, Consumer<RaftProperties> tuning) {
        RaftGroupId groupId = RaftGroupId.valueOf(config.groupId());
        RaftGroup group = RaftGroup.valueOf(groupId, toRaftPeers(config.peers()));
        RaftProperties properties = properties(config);
        tuning.accept(properties);
        Parameters parameters = parameters(config);
        boolean recover = Files.isDirectory(config.storageDir().resolve(config.groupId().toString()));
        RegistryStateMachine stateMachine = new RegistryStateMachine();
        DeadlineRetryPolicy retry = new DeadlineRetryPolicy(RETRY_SLEEP);
        RaftServer server = null;
        try {
            Files.createDirectories(config.storageDir());
            server = RaftServer.newBuilder()
                    .setServerId(RaftPeerId.valueOf(config.id()))
                    .setGroup(group)
                    .setStateMachine(stateMachine)
                    .setProperties(properties)
                    .setParameters(parameters)
                    .setOption(recover ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                    .build();
            server.start();
            RaftClient client = RaftClient.newBuilder()
                    .setClientId(ClientId.randomId())
                    .setRaftGroup(group)
                    .setProperties(properties)
                    .setParameters(parameters)
                    .setRetryPolicy(retry)
                    .build();
            LOG.info("registry peer {} started on {} ({} {}, {})", config.id(), config.self().address(),
                    recover ? "recovered" : "formatted", config.storageDir(),
                    config.tls() == null ? "plaintext Raft" : "mutual TLS, CA " + config.tls().caFile());
            return new RegistryPeer(config, groupId, stateMachine, server, client, retry);
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                try {
                    server.close();
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new RegistryPeerException("registry peer " + config.id() + " could not start on "
                    + config.self().address() + " with storage " + config.storageDir() + ": " + e.getMessage(), e);
        }
    }

    private static RaftProperties properties(PeerConfig config) {
        RaftProperties p = new RaftProperties();
        Address self = Address.parse(config.self().address());
        GrpcConfigKeys.Server.setHost(p, self.host());
        GrpcConfigKeys.Server.setPort(p, self.port());
        RaftServerConfigKeys.setStorageDir(p, List.of(config.storageDir().toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(config.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(config.electionTimeoutMax()));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, SNAPSHOTS_RETAINED);
        Duration rpc = config.requestTimeout().compareTo(MAX_RPC_TIMEOUT) < 0 ? config.requestTimeout() : MAX_RPC_TIMEOUT;
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(rpc));
        return p;
    }

    /**
     * Ratis' non-property settings: with TLS, one {@code GrpcTlsConfig} for everything this peer
     * opens or dials (Ratis falls back to it for its server, admin and client channels alike), so
     * the server, the peer-to-peer RPCs and this peer's {@code RaftClient} all use mutual TLS.
     * Files are checked first, so a wrong path fails here with its name rather than inside gRPC.
     */
    private static Parameters parameters(PeerConfig config) {
        Parameters parameters = new Parameters();
        PeerTls tls = config.tls();
        if (tls != null) {
            tls.check();
            GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(tls.keyFile().toFile(), tls.certFile().toFile(),
                    tls.caFile().toFile(), true));
        }
        return parameters;
    }

    private static TimeDuration millis(Duration d) {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static List<RaftPeer> toRaftPeers(List<PeerInfo> peers) {
        return peers.stream()
                .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build())
                .toList();
    }

    // ---- RegistryClient -----------------------------------------------------------------------

    /** Hears how long each submit took and how it ended (metrics); nothing by default. */
    public interface SubmitObserver {
        /** {@code outcome}: {@code ok}, {@code rejected} (the state machine refused) or {@code unavailable}. */
        void submitted(String command, String outcome, long nanos);
    }

    private volatile SubmitObserver submitObserver = (c, o, n) -> {
    };

    public void observeSubmits(SubmitObserver o) {
        this.submitObserver = o == null ? (c, x, n) -> {
        } : o;
    }

    @Override
    public CommandResult submit(Command command) {
        long t0 = System.nanoTime();
        String outcome = "unavailable";
        try {
            CommandResult r = submitTimed(command);
            outcome = "ok";
            return r;
        } catch (CommandRejectedException e) {
            outcome = "rejected";
            throw e;
        } finally {
            try {
                submitObserver.submitted(command.getClass().getSimpleName(), outcome, System.nanoTime() - t0);
            } catch (RuntimeException e) {
                // metrics never fail a write
            }
        }
    }

    private CommandResult submitTimed(Command command) {
        Message message = Message.valueOf(ByteString.copyFrom(Json.write(command)));
        RaftClientReply reply;
        try {
            reply = retry.within(config.requestTimeout(), () -> client.io().send(message));
        } catch (StateMachineException e) {
            CommandResult rejection = RejectedAtLeaderException.decode(e).orElseThrow(() -> new RegistryUnavailableException(
                    "the registry failed to apply " + command.getClass().getSimpleName() + " for cluster-["
                            + command.cluster() + "]: " + e.getMessage(), e));
            throw rejected(rejection);
        } catch (IOException e) {
            throw unavailable("submit " + command.getClass().getSimpleName(), e);
        }
        if (!reply.isSuccess()) {
            throw new RegistryUnavailableException("the registry did not accept " + command.getClass().getSimpleName()
                    + ": " + reply, reply.getException());
        }
        CommandResult result = Json.read(reply.getMessage().getContent().toByteArray(), CommandResult.class);
        if (!result.ok()) {
            throw rejected(result);
        }
        awaitLocallyApplied(result, command);
        return result;
    }

    /**
     * The leader answered once it applied the entry; this peer (a follower, perhaps) may not have
     * yet. Waiting here gives read-your-writes to {@link #readLocal()} after a submit, so callers
     * need no linearizable read to see their own change.
     */
    private void awaitLocallyApplied(CommandResult result, Command command) {
        try {
            if (result.index() > 0 && !stateMachine.awaitApplied(result.index(), config.requestTimeout())) {
                throw new RegistryUnavailableException("peer " + config.id() + " did not apply its own "
                        + command.getClass().getSimpleName() + " (log index " + result.index() + ") within "
                        + config.requestTimeout().toMillis() + " ms; it was committed", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnavailableException("interrupted while waiting to apply log index " + result.index(), null);
        }
    }

    private static CommandRejectedException rejected(CommandResult r) {
        return new CommandRejectedException(r.code(), r.message());
    }

    private RegistryUnavailableException unavailable(String what, IOException e) {
        if (e instanceof InterruptedIOException) {
            Thread.currentThread().interrupt();
        }
        return new RegistryUnavailableException("could not " + what + " within " + config.requestTimeout().toMillis()
                + " ms: no registry leader answered (is a majority of " + config.peers().size()
                + " peers up and reachable?): " + e.getMessage(), e);
    }

    @Override
    public RegistryState read() {
        barrier();
        return stateMachine.state();
    }

    /** Returns once this peer has applied everything committed when the call began. */
    private void barrier() {
        Message barrier = Message.valueOf(RegistryStateMachine.BARRIER);
        try {
            RaftClientReply reply = retry.within(config.requestTimeout(), () -> client.io().sendReadOnly(barrier, selfId));
            if (!reply.isSuccess()) {
                throw new RegistryUnavailableException("read barrier on peer " + config.id() + " failed: " + reply,
                        reply.getException());
            }
        } catch (IOException e) {
            throw unavailable("read linearizably from peer " + config.id(), e);
        }
    }

    @Override
    public RegistryState readLocal() {
        return stateMachine.state();
    }

    @Override
    public Optional<Cluster> awaitVersion(String cluster, long afterVersion, Duration timeout) throws InterruptedException {
        return stateMachine.awaitVersion(cluster, afterVersion, timeout);
    }

    /** Acks noted by {@link #noteAck}: cluster, incarnation and proxy to the highest version. Memory only. */
    private final java.util.concurrent.ConcurrentMap<String, Long> acks = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void noteAck(String cluster, long incarnation, String proxy, long version) {
        Long was = acks.get(cluster + "\n" + incarnation + "\n" + proxy);
        if (was == null || was < version) {
            acks.merge(cluster + "\n" + incarnation + "\n" + proxy, version, Math::max);
            stateMachine.poke();
        }
    }

    @Override
    public long notedAck(String cluster, long incarnation, String proxy) {
        return acks.getOrDefault(cluster + "\n" + incarnation + "\n" + proxy, 0L);
    }

    @Override
    public boolean leading() {
        return isLeader();
    }

    @Override
    public RegistryState awaitChange(RegistryState seen, Duration timeout) throws InterruptedException {
        return stateMachine.awaitChange(seen, timeout);
    }

    @Override
    public RegistryInfo info() {
        try {
            RaftServer.Division d = server.getDivision(groupId);
            DivisionInfo i = d.getInfo();
            RaftPeerId leader = i.getLeaderId();
            return new RegistryInfo(config.id(), i.getCurrentRole().name(), leader == null ? null : leader.toString(),
                    i.getCurrentTerm(), d.getRaftLog().getLastCommittedIndex(), i.getLastAppliedIndex(),
                    toPeerInfos(d.getRaftConf().getCurrentPeers()));
        } catch (IOException e) {
            return new RegistryInfo(config.id(), "UNKNOWN", null, 0, 0,
                    stateMachine.getLastAppliedTermIndex().getIndex(), config.peers());
        }
    }

    private static List<PeerInfo> toPeerInfos(Collection<RaftPeer> peers) {
        return peers.stream()
                .map(p -> new PeerInfo(p.getId().toString(), p.getAddress()))
                .sorted(Comparator.comparing(PeerInfo::id))
                .toList();
    }

    // ---- questions to other peers ------------------------------------------------------------

    /** See {@link RegistryStateMachine#setPeerQueryHandler}. */
    public void setPeerQueryHandler(java.util.function.Function<String, String> handler) {
        stateMachine.setPeerQueryHandler(handler);
    }

    /**
     * Asks another peer's {@linkplain #setPeerQueryHandler handler} a question (a Ratis stale read
     * served by that peer itself). Fails when the peer does not answer in time.
     */
    public java.util.concurrent.CompletableFuture<String> askPeer(String peerId, String question) {
        return client.async().sendStaleRead(Message.valueOf(RegistryStateMachine.PEER_QUERY_PREFIX + question), 0,
                org.apache.ratis.protocol.RaftPeerId.valueOf(peerId)).thenApply(reply -> {
                    if (!reply.isSuccess()) {
                        throw new java.util.concurrent.CompletionException(reply.getException());
                    }
                    return reply.getMessage().getContent().toStringUtf8();
                });
    }

    // ---- leadership and membership ------------------------------------------------------------

    /** True while this peer is the leader and ready to serve (it has committed an entry of its term). */
    public boolean isLeader() {
        return stateMachine.isLeader();
    }

    /**
     * Tells {@code listener} {@code true} when this peer becomes the (ready) leader and
     * {@code false} when it stops being leader or closes. Calls are ordered and run on one
     * dedicated thread; a listener added while this peer leads is told {@code true} at once.
     */
    public void addLeaderListener(Consumer<Boolean> listener) {
        stateMachine.addLeaderListener(listener);
    }

    /**
     * Changes the group's membership to exactly {@code peers} and returns once the new
     * configuration is committed. New peers must already be running ({@link #start} with the new
     * membership); Ratis first lets them catch up. When the current leader is left out, leadership
     * is first handed to a peer that stays, so the group does not wait for an election. When this
     * peer is left out, it is no longer a member afterwards: close it.
     *
     * @throws InvalidPeerConfigException when the membership is invalid or keeps no current member
     * @throws RegistryPeerException      when Ratis refused or could not complete the change
     */
    public void setPeers(List<PeerInfo> peers) {
        List<PeerInfo> target = PeerConfig.validatePeers(peers);
        Set<String> targetIds = target.stream().map(PeerInfo::id).collect(Collectors.toSet());
        List<PeerInfo> current = info().peers();
        for (PeerInfo now : current) {
            target.stream().filter(t -> t.id().equals(now.id()) && !sameAddress(t, now)).findFirst().ifPresent(t -> {
                throw new InvalidPeerConfigException("peer " + t.id() + " is at " + now.address() + ", not " + t.address()
                        + ": to move a peer, remove it, then add it back with its new address and an empty dataDir");
            });
        }
        List<PeerInfo> staying = current.stream().filter(p -> targetIds.contains(p.id())).toList();
        if (staying.isEmpty()) {
            throw new InvalidPeerConfigException("the new membership " + targetIds + " keeps none of the current peers "
                    + current.stream().map(PeerInfo::id).toList() + ": change membership in steps that keep at least one"
                    + " (better: a majority) of the current peers");
        }
        try {
            handOverLeadershipIfLeaving(targetIds, staying);
            RaftClientReply reply = retry.within(config.requestTimeout(),
                    () -> client.admin().setConfiguration(toRaftPeers(target)));
            if (!reply.isSuccess()) {
                throw new RegistryPeerException("the registry refused membership " + targetIds + ": " + reply,
                        reply.getException());
            }
        } catch (SetConfigurationException e) {
            throw new RegistryPeerException("the registry refused membership " + targetIds + ": " + e.getMessage()
                    + " (are the new peers running with this membership in their config?)", e);
        } catch (IOException e) {
            throw new RegistryPeerException("membership change to " + targetIds + " did not complete within "
                    + config.requestTimeout().toMillis() + " ms: " + e.getMessage()
                    + " (are the new peers running and reachable, and a majority of the current ones up?)", e);
        }
        LOG.info("registry membership is now {}", targetIds);
        if (!targetIds.contains(config.id())) {
            LOG.warn("registry peer {} is no longer a member of the group: close it", config.id());
        }
    }

    private void handOverLeadershipIfLeaving(Set<String> targetIds, List<PeerInfo> staying) throws IOException {
        barrier(); // makes sure a leader exists and this peer knows it
        String leader = info().leaderId();
        if (leader == null || targetIds.contains(leader)) {
            return;
        }
        RaftPeerId successor = RaftPeerId.valueOf(staying.get(0).id());
        LOG.info("leader {} leaves the group: handing leadership to {} first", leader, successor);
        long timeoutMs = config.requestTimeout().toMillis();
        RaftClientReply reply = retry.within(config.requestTimeout(),
                () -> client.admin().transferLeadership(successor, timeoutMs));
        if (!reply.isSuccess()) {
            throw new RegistryPeerException("could not hand leadership from " + leader + " to " + successor + ": " + reply,
                    reply.getException());
        }
    }

    private static boolean sameAddress(PeerInfo a, PeerInfo b) {
        return Address.parse(a.address()).equals(Address.parse(b.address()));
    }

    /** The Ratis division of this peer's group (tests and diagnostics). */
    RaftServer.Division division() throws IOException {
        return server.getDivision(groupId);
    }

    // ---- accessors and close ------------------------------------------------------------------

    public String id() {
        return config.id();
    }

    public PeerConfig config() {
        return config;
    }

    /** Stops the client and the server. The peer can be started again on the same dataDir. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the Raft client of peer {} failed", config.id(), e);
        }
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the Raft server of peer {} failed", config.id(), e);
        }
        LOG.info("registry peer {} closed", config.id());
    }

    @Override
    public String toString() {
        return "RegistryPeer(" + config.id() + "@" + config.self().address() + ")";
    }
}
