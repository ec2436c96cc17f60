package io.cfgserver.tests.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.testing.Placement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Three (or five) {@link ServiceProcess} peers forming one registry, every port free on
 * 127.0.0.1, each peer in {@code dir/p1}, {@code dir/p2}, ... (config, log, data).
 *
 * <pre>{@code
 * try (TemporalDevServer temporal = TemporalDevServer.start(tmp.resolve("temporal"));
 *      ServiceCluster cluster = ServiceCluster.start(tmp.resolve("peers"), temporal.target())) {
 *     ServiceProcess leader = cluster.leader();
 *     leader.kill9();
 *     ServiceProcess next = cluster.waitForLeader(Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class ServiceCluster implements AutoCloseable {
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);

    private final List<ServiceProcess> peers;
    private final String token;

    private ServiceCluster(List<ServiceProcess> peers, String token) {
        this.peers = List.copyOf(peers);
        this.token = token;
    }

    /** Three peers, default token; returns once every peer answers and a leader is known. */
    public static ServiceCluster start(Path dir, String temporalTarget) {
        return builder().dir(dir).temporalTarget(temporalTarget).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<ServiceProcess> peers() {
        return peers;
    }

    public ServiceProcess peer(String peerId) {
        return peers.stream().filter(p -> p.peerId().equals(peerId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no peer " + peerId + " in " + peers));
    }

    /** The current leader, waiting up to {@link #LEADER_TIMEOUT} for one. */
    public ServiceProcess leader() {
        return waitForLeader(LEADER_TIMEOUT);
    }

    /** Running peers that are not the leader. */
    public List<ServiceProcess> followers() {
        ServiceProcess leader = leader();
        return peers.stream().filter(p -> p != leader && p.isRunning()).toList();
    }

    /** Any running peer (a random one: tests must not depend on which). */
    public ServiceProcess any() {
        List<ServiceProcess> running = peers.stream().filter(ServiceProcess::isRunning).toList();
        if (running.isEmpty()) {
            throw new IllegalStateException("no peer is running");
        }
        return running.get(ThreadLocalRandom.current().nextInt(running.size()));
    }

    public String token() {
        return token;
    }

    /** A client with the cluster's token (and, with TLS, trusting the peers' CA). */
    public Http http() {
        return peers.get(0).http();
    }

    /**
     * Waits until every running peer that answers names the same leader, and that leader is
     * running and answers itself; returns it. A peer that is running but does not answer yet
     * (restarting) is not waited for.
     */
    public ServiceProcess waitForLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastViews = "";
        while (true) {
            Set<String> named = new HashSet<>();
            StringBuilder views = new StringBuilder();
            for (ServiceProcess peer : peers) {
                Optional<JsonNode> info = peer.registryInfo();
                views.append(peer.peerId()).append('=').append(info.map(JsonNode::toString).orElse("-")).append(' ');
                info.flatMap(ServiceCluster::leaderId).ifPresent(named::add);
            }
            lastViews = views.toString();
            if (named.size() == 1) {
                String leaderId = named.iterator().next();
                Optional<ServiceProcess> leader = peers.stream().filter(p -> p.peerId().equals(leaderId)).findFirst();
                if (leader.isPresent() && leader.get().registryInfo().flatMap(ServiceCluster::leaderId)
                        .filter(leaderId::equals).isPresent()) {
                    return leader.get();
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no agreed registry leader within " + timeout.toSeconds()
                        + " s; peers said: " + lastViews);
            }
            ChildProcesses.pause(Duration.ofMillis(100));
        }
    }

    /**
     * The leader id in a {@code GET /v1/registry} body: {@code leaderId} (the registry's
     * {@code RegistryInfo}), or {@code leader} as a string or as an object with an {@code id}.
     */
    static Optional<String> leaderId(JsonNode info) {
        JsonNode leader = info.path("leaderId");
        if (leader.isMissingNode() || leader.isNull()) {
            leader = info.path("leader");
        }
        if (leader.isObject()) {
            leader = leader.path("id");
        }
        return leader.isTextual() && !leader.asText().isBlank() ? Optional.of(leader.asText()) : Optional.empty();
    }

    /** Stops every peer (in parallel, each SIGTERM then SIGKILL); data stays in the directory. */
    @Override
    public void close() {
        List<Thread> stoppers = new ArrayList<>();
        for (ServiceProcess peer : peers) {
            Thread stopper = new Thread(peer::close, "stop-" + peer.peerId());
            stopper.start();
            stoppers.add(stopper);
        }
        for (Thread stopper : stoppers) {
            try {
                stopper.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                peers.forEach(ServiceProcess::kill9);
                return;
            }
        }
    }

    /** Parameters of a cluster. */
    public static final class Builder {
        private int size = 3;
        private Path dir;
        private String temporalTarget;
        private String token = ServiceProcess.DEFAULT_TOKEN;
        private Consumer<ServiceProcess.Builder> customizer = b -> { };
        private Function<String, Placement> placements = id -> Placement.LOOPBACK;

        private Builder() {
        }

        /** 3 or 5 peers (any positive number is accepted). */
        public Builder size(int peerCount) {
            if (peerCount < 1) {
                throw new IllegalArgumentException("size must be positive: " + peerCount);
            }
            this.size = peerCount;
            return this;
        }

        public Builder dir(Path directory) {
            this.dir = directory;
            return this;
        }

        public Builder temporalTarget(String target) {
            this.temporalTarget = target;
            return this;
        }

        public Builder token(String bearerToken) {
            this.token = bearerToken;
            return this;
        }

        /** Applied to every peer's builder, e.g. {@code b -> b.jvmArgs("-Dsome.flag=true")}. */
        public Builder eachPeer(Consumer<ServiceProcess.Builder> peerCustomizer) {
            this.customizer = peerCustomizer;
            return this;
        }

        /** Where each peer (by id: p1, p2, ...) runs, e.g. {@code id -> lab.host(id).placement()}. */
        public Builder placeEach(Function<String, Placement> placement) {
            this.placements = placement;
            return this;
        }

        /** Starts every peer at once, waits until each answers and a leader is agreed. */
        public ServiceCluster start() {
            if (dir == null || temporalTarget == null) {
                throw new IllegalStateException("dir and temporalTarget are required");
            }
            Map<String, Placement> where = new LinkedHashMap<>();
            IntStream.rangeClosed(1, size).forEach(i -> where.put("p" + i, placements.apply("p" + i)));
            List<ServiceProcess.Peer> members = where.entrySet().stream()
                    .map(e -> ServiceProcess.Peer.at(e.getValue(), e.getKey(), LoopbackPorts.next()))
                    .toList();
            List<ServiceProcess> processes = new ArrayList<>();
            for (ServiceProcess.Peer member : members) {
                Path peerDir = dir.toAbsolutePath().resolve(member.id());
                try {
                    Files.createDirectories(peerDir);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                ServiceProcess.Builder peer = ServiceProcess.builder(member.id())
                        .placement(where.get(member.id()))
                        .peers(members)
                        .dir(peerDir)
                        .temporalTarget(temporalTarget)
                        .token(token);
                customizer.accept(peer);
                processes.add(peer.build());
            }
            ServiceCluster cluster = new ServiceCluster(processes, token);
            try {
                processes.forEach(ServiceProcess::start);
                for (ServiceProcess process : processes) {
                    process.waitReady(READY_TIMEOUT);
                }
                cluster.waitForLeader(LEADER_TIMEOUT);
                return cluster;
            } catch (RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
        }
    }
}
