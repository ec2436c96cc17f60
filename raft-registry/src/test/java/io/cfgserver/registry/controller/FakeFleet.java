package io.cfgserver.registry.controller;

import io.cfgserver.registry.config.RedisConfig;
import io.cfgserver.registry.fencing.FencingStamp;
import io.cfgserver.registry.topology.Address;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Redis instances as the controller sees them, in memory: their probe views ({@link Probes}, against the
 * test clock) and the commands sent to them ({@link RedisOps}, recorded; a promotion makes a master, a
 * REPLICAOF a replica, and a replica reads its master's fencing stamp as if replicated).
 */
final class FakeFleet implements Probes, RedisOps {
    /** How an instance answers probes. */
    enum Health {
        UP,
        /** Probes time out (a dead host, a partition, a paused process). */
        SILENT,
        /** Connections are refused (the process died, its host lives). */
        REFUSED
    }

    private final class Node {
        volatile Health health = Health.UP;
        volatile long downSinceNanos;
        volatile Address masterOf; // null: a master
        volatile long offset = 1000;
        volatile FencingStamp stamp;
        volatile boolean failCommands;
        volatile boolean refusePromotion;
    }

    private final TestTime time;
    private final Map<Address, Node> nodes = new ConcurrentHashMap<>();
    final List<String> commands = new CopyOnWriteArrayList<>();
    private final Set<Address> unknown = ConcurrentHashMap.newKeySet();

    FakeFleet(TestTime time) {
        this.time = time;
    }

    FakeFleet master(String a) {
        nodes.put(Address.parse(a), new Node());
        return this;
    }

    FakeFleet replica(String a, String master) {
        Node n = new Node();
        n.masterOf = Address.parse(master);
        nodes.put(Address.parse(a), n);
        return this;
    }

    private Node node(Address a) {
        Node n = nodes.get(a);
        if (n == null) {
            throw new IllegalArgumentException("no such instance in the test: " + a);
        }
        return n;
    }

    void health(String a, Health h) {
        Node n = node(Address.parse(a));
        if (n.health == Health.UP && h != Health.UP) {
            n.downSinceNanos = time.nanos();
        }
        n.health = h;
    }

    void offset(String a, long offset) {
        node(Address.parse(a)).offset = offset;
    }

    /** Every command to {@code a} fails (it answers probes all the same). */
    void failCommands(String a, boolean fail) {
        node(Address.parse(a)).failCommands = fail;
    }

    /** {@code REPLICAOF NO ONE} to {@code a} fails. */
    void refusePromotion(String a, boolean refuse) {
        node(Address.parse(a)).refusePromotion = refuse;
    }

    /** Forgets the fencing stamp {@code a} holds. */
    void clearStamp(String a) {
        node(Address.parse(a)).stamp = null;
    }

    /** The instance is not probed (yet). */
    void unknown(String a) {
        unknown.add(Address.parse(a));
    }

    boolean isMaster(String a) {
        return node(Address.parse(a)).masterOf == null;
    }

    Address masterOf(String a) {
        return node(Address.parse(a)).masterOf;
    }

    List<String> commandsTo(String a) {
        return commands.stream().filter(c -> c.startsWith(a + " ")).toList();
    }

    // ---- Probes -----------------------------------------------------------------------------------

    @Override
    public Optional<Prober.View> view(Address a) {
        Node n = nodes.get(a);
        if (n == null || unknown.contains(a)) {
            return Optional.empty();
        }
        long now = time.nanos();
        long since = 0;
        if (n.health != Health.UP) {
            ProbeFailure kind = n.health == Health.REFUSED ? ProbeFailure.REFUSED : ProbeFailure.TIMEOUT;
            return Optional.of(new Prober.View(since, n.downSinceNanos, ProbeResult.failed(now, kind, n.health.name()), null,
                    n.health == Health.REFUSED));
        }
        ProbeResult r = n.masterOf == null
                ? new ProbeResult(true, now, ProbeRole.MASTER, null, false, -1, n.offset, null, null)
                : new ProbeResult(true, now, ProbeRole.REPLICA, n.masterOf, nodes.containsKey(n.masterOf)
                        && nodes.get(n.masterOf).health == Health.UP, 0, n.offset, null, null);
        return Optional.of(new Prober.View(since, now, r));
    }

    @Override
    public boolean sdown(Address a, long downAfterMillis) {
        return view(a).map(v -> v.silentNanos(time.nanos()) > downAfterMillis * 1_000_000L).orElse(false);
    }

    @Override
    public boolean refusedDown(Address a, long refusedAfterMillis) {
        Node n = nodes.get(a);
        return n != null && !unknown.contains(a) && n.health == Health.REFUSED
                && time.nanos() - n.downSinceNanos > refusedAfterMillis * 1_000_000L;
    }

    // ---- RedisOps ---------------------------------------------------------------------------------

    private Node reach(Address a, String command) {
        commands.add(a + " " + command);
        Node n = node(a);
        if (n.health != Health.UP || n.failCommands) {
            throw new IllegalStateException(a + " does not answer (" + n.health + ")");
        }
        return n;
    }

    @Override
    public void writeStamp(Address master, FencingStamp stamp) {
        reach(master, "SET stamp").stamp = stamp;
    }

    @Override
    public Optional<FencingStamp> readStamp(Address a) {
        Node n = reach(a, "GET stamp");
        Node m = n.masterOf == null ? n : nodes.get(n.masterOf);
        // a replica holds what it last copied from its master
        if (n.masterOf != null && m != null && m.stamp != null) {
            n.stamp = m.stamp;
        }
        return Optional.ofNullable(n.stamp);
    }

    @Override
    public void promote(Address a) {
        Node n = reach(a, "REPLICAOF NO ONE");
        if (n.refusePromotion) {
            throw new IllegalStateException(a + " refuses REPLICAOF NO ONE (test)");
        }
        n.masterOf = null;
    }

    @Override
    public void replicaOf(Address a, Address master) {
        reach(a, "REPLICAOF " + master).masterOf = master;
    }

    @Override
    public void failoverTo(Address master, Address target, long timeoutMillisForRedis) {
        reach(master, "FAILOVER TO " + target);
        node(target).masterOf = null;
        node(master).masterOf = target;
    }

    @Override
    public String info(Address a) {
        Node n = reach(a, "INFO replication");
        return n.masterOf == null ? "role:master\r\nmaster_repl_offset:" + n.offset + "\r\n"
                : "role:slave\r\nmaster_host:" + n.masterOf.host() + "\r\nmaster_port:" + n.masterOf.port()
                        + "\r\nmaster_link_status:up\r\nslave_repl_offset:" + n.offset + "\r\n";
    }

    @Override
    public Map<String, String> configGet(Address a, Collection<String> params) {
        reach(a, "CONFIG GET");
        return Map.of();
    }

    @Override
    public RedisConfig.Persisted applyConfig(Address a, Map<String, String> values) {
        reach(a, "CONFIG SET+REWRITE " + values.keySet());
        return null;
    }

    @Override
    public void configSet(Address a, String... pairs) {
        reach(a, "CONFIG SET " + String.join(" ", pairs));
    }
}
