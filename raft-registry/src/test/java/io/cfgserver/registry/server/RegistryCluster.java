package io.cfgserver.registry.server;

import static org.awaitility.Awaitility.await;

import io.cfgserver.registry.client.RegistryInfo.PeerInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.ratis.conf.RaftProperties;

/**
 * Test fixture: a registry group of real peers in this JVM, each on a free 127.0.0.1 port with its
 * own directory under {@code dir}. Tracks the membership so peers can be stopped, restarted on the
 * same data, added and removed; {@link #close} stops every peer still running.
 */
public final class RegistryCluster implements AutoCloseable {
    private final Path dir;
    private final UnaryOperator<PeerConfig> tweak;
    private final Consumer<RaftProperties> tuning;
    private final List<PeerInfo> members = new ArrayList<>();
    private final Map<String, RegistryPeer> running = new LinkedHashMap<>();

    private RegistryCluster(Path dir, UnaryOperator<PeerConfig> tweak, Consumer<RaftProperties> tuning) {
        this.dir = dir;
        this.tweak = tweak;
        this.tuning = tuning;
    }

    /** Starts {@code n} peers named cfg1..cfgN; {@code tweak} adjusts each peer's config. */
    public static RegistryCluster start(int n, Path dir, UnaryOperator<PeerConfig> tweak) {
        return start(n, dir, tweak, properties -> { });
    }

    /** As above, with extra Ratis settings for every peer. */
    static RegistryCluster start(int n, Path dir, UnaryOperator<PeerConfig> tweak, Consumer<RaftProperties> tuning) {
        RegistryCluster c = new RegistryCluster(dir, tweak, tuning);
        for (int i = 1; i <= n; i++) {
            c.members.add(new PeerInfo("cfg" + i, "127.0.0.1:" + freePort()));
        }
        try {
            for (PeerInfo p : c.members) {
                c.running.put(p.id(), RegistryPeer.start(c.config(p.id()), c.tuning));
            }
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    public synchronized PeerConfig config(String id) {
        return tweak.apply(PeerConfig.of(id, List.copyOf(members), dir));
    }

    public synchronized List<PeerInfo> members() {
        return List.copyOf(members);
    }

    public synchronized RegistryPeer peer(String id) {
        RegistryPeer p = running.get(id);
        if (p == null) {
            throw new IllegalStateException("peer " + id + " is not running; running: " + running.keySet());
        }
        return p;
    }

    public synchronized List<RegistryPeer> running() {
        return List.copyOf(running.values());
    }

    /** Waits until exactly one running peer is a ready leader and returns it. */
    public RegistryPeer awaitLeader(Duration timeout) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(20))
                .until(this::soleLeader, Optional::isPresent).orElseThrow();
    }

    private Optional<RegistryPeer> soleLeader() {
        List<RegistryPeer> leaders = running().stream().filter(RegistryPeer::isLeader).toList();
        return leaders.size() == 1 ? Optional.of(leaders.get(0)) : Optional.empty();
    }

    /** Some running peer other than {@code notThis}. */
    public RegistryPeer other(RegistryPeer notThis) {
        return running().stream().filter(p -> p != notThis).findFirst().orElseThrow();
    }

    public synchronized void stop(String id) {
        RegistryPeer p = running.remove(id);
        if (p != null) {
            p.close();
        }
    }

    /** Starts a stopped member again on its old data directory and port. */
    public synchronized RegistryPeer restart(String id) {
        if (running.containsKey(id)) {
            throw new IllegalStateException("peer " + id + " is running");
        }
        RegistryPeer p = RegistryPeer.start(config(id), tuning);
        running.put(id, p);
        return p;
    }

    /**
     * Starts a new, empty peer whose config lists the current members plus itself. It is not a
     * member until {@link #setPeers} (or {@link RegistryPeer#setPeers}) includes it.
     */
    public synchronized RegistryPeer startNew(String id) {
        members.add(new PeerInfo(id, "127.0.0.1:" + freePort()));
        RegistryPeer p = RegistryPeer.start(config(id), tuning);
        running.put(id, p);
        return p;
    }

    /** Changes the membership through {@code via} and records it for later restarts. */
    public void setPeers(RegistryPeer via, List<PeerInfo> peers) {
        via.setPeers(peers);
        synchronized (this) {
            members.clear();
            members.addAll(peers);
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public synchronized void close() {
        for (RegistryPeer p : running.values()) {
            p.close();
        }
        running.clear();
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
