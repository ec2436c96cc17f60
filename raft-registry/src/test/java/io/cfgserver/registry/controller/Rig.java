package io.cfgserver.registry.controller;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.SetPolicy;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.RegistryState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A leader's controller over fakes: cluster {@code demo} with g1 (master 7001, replicas 7002 and 7003) and
 * g2 (master 7011, replica 7012), three registry peers (this one, p2 and p3, each with its own view of the
 * instances), the test clock. Work runs inline on {@link #tick}; events are recorded before it returns.
 */
final class Rig implements AutoCloseable {
    static final String C = "demo";
    final TestTime time = new TestTime();
    final FakeFleet fleet = fleet();
    final FakeFleet p2 = fleet();
    final FakeFleet p3 = fleet();
    final FakePeers peers;
    final FakeRegistry registry;
    final ControllerConfig config = ControllerConfig.defaults();
    final Controller controller;
    private final ExecutorService events = Executors.newSingleThreadExecutor();
    private long last;

    Rig() {
        this(true, true);
    }

    /** {@code p2answers}/{@code p3answers} false: that peer never answers questions. */
    Rig(boolean p2answers, boolean p3answers) {
        peers = new FakePeers("p1", time).peer("p2", p2answers ? p2 : null).peer("p3", p3answers ? p3 : null);
        RegistryState s = io.cfgserver.registry.statemachine.Transitions.apply(RegistryState.empty(), new CreateCluster(C,
                List.of(new GroupSpec("g1", a("127.0.0.1:7001"), List.of(a("127.0.0.1:7002"), a("127.0.0.1:7003"))),
                        new GroupSpec("g2", a("127.0.0.1:7011"), List.of(a("127.0.0.1:7012")))),
                List.of(), time.millis())).state();
        registry = new FakeRegistry(s);
        // as a previous leader left them: every master carries its group's fencing stamp
        Cluster c = s.cluster(C).orElseThrow();
        for (Group g : c.groups()) {
            fleet.writeStamp(g.master().address(), io.cfgserver.registry.fencing.FencingStamp.of(c, g));
        }
        fleet.commands.clear();
        controller = new Controller(registry, fleet, peers, fleet, config, time, time::nanos, FaultHooks.fromSystemProperties(),
                new Inline(), events, new Inline());
    }

    private FakeFleet fleet() {
        return new FakeFleet(time).master("127.0.0.1:7001").replica("127.0.0.1:7002", "127.0.0.1:7001")
                .replica("127.0.0.1:7003", "127.0.0.1:7001").master("127.0.0.1:7011").replica("127.0.0.1:7012", "127.0.0.1:7011");
    }

    static Address a(String s) {
        return Address.parse(s);
    }

    /** Takes the lead and waits out the tilt of a new leader, the instances healthy (stamps written). */
    Rig leading() {
        lead();
        for (int i = 0; i < 25; i++) {
            tick(100);
        }
        return this;
    }

    /** Takes the lead (in tilt). */
    void lead() {
        controller.lead();
        last = time.nanos();
    }

    /** Every view (this peer's and the others') sees {@code address} with {@code h}. */
    void everywhere(String address, FakeFleet.Health h) {
        fleet.health(address, h);
        p2.health(address, h);
        p3.health(address, h);
    }

    /** Advances the clock by {@code ms} and runs one tick (and its work). */
    void tick(long ms) {
        time.advance(ms);
        controller.step(last, time.nanos());
        last = time.nanos();
        controller.awaitIdle();
    }

    /** Ticks every probe period for {@code ms}. */
    void run(long ms) {
        for (long t = 0; t < ms; t += 100) {
            tick(100);
        }
    }

    /** The cluster's policy with {@code fields} changed. */
    void policy(Map<String, Object> fields) {
        Map<String, com.fasterxml.jackson.databind.JsonNode> json = new java.util.HashMap<>();
        fields.forEach((k, v) -> json.put(k, Json.mapper().valueToTree(v)));
        Policy p = cluster().policy().patched(json);
        registry.submit(new SetPolicy(C, p, time.millis()));
    }

    Cluster cluster() {
        return registry.readLocal().cluster(C).orElseThrow();
    }

    Group group(String id) {
        return cluster().group(id).orElseThrow();
    }

    List<String> events() {
        return registry.eventTypes(C);
    }

    @Override
    public void close() {
        controller.close();
        events.shutdownNow();
    }

    /** Runs every task at once, on the caller's thread. */
    static final class Inline extends AbstractExecutorService {
        private volatile boolean shut;

        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void shutdown() {
            shut = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shut = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shut;
        }

        @Override
        public boolean isTerminated() {
            return shut;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
