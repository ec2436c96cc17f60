package io.cfgserver.registry.controller;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.SetConfigDrift;
import io.cfgserver.registry.config.RedisConfig;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.ConfigDrift;
import io.cfgserver.registry.topology.ConfigVersion;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's slow loop that keeps instances on the rolled-out config (docs/config.md, "Drift"): one
 * round per {@code driftPeriod}, the instances' reads spread evenly over it. An instance whose managed
 * parameters differ is recorded ({@code +config-drift}, listed by {@code GET .../config/drift}); under
 * the policy's {@code repairDrift} they are set back first ({@code +config-drift-repaired}). A cluster
 * is skipped while one of its jobs runs (a rollout changes values on purpose, a split tunes and
 * restores some), a group while it fails over.
 */
final class DriftWatcher implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DriftWatcher.class);
    private static final long MIN_SPACING_MILLIS = 20;

    private final RegistryClient registry;
    private final RedisOps redis;
    private final Duration period;
    private final Clock clock;

    DriftWatcher(RegistryClient registry, RedisOps redis, Duration period, Clock clock) {
        this.registry = registry;
        this.redis = redis;
        this.period = period;
        this.clock = clock;
    }

    /** One instance to check: where it is and what its parameters should read. */
    record Target(String cluster, String group, Address address) {
    }

    @Override
    public void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                List<Target> round = List.of();
                try {
                    round = targets(registry.readLocal());
                } catch (RuntimeException e) {
                    LOG.warn("drift round not planned: {}", e.toString());
                }
                if (round.isEmpty()) {
                    Thread.sleep(Math.min(period.toMillis(), 1000));
                    continue;
                }
                long spacing = Math.max(MIN_SPACING_MILLIS, period.toMillis() / round.size());
                for (Target t : round) {
                    try {
                        check(t);
                    } catch (RuntimeException e) {
                        // one target's trouble (a registry hiccup recording it) neither stops the round nor spins
                        LOG.warn("drift check of {} failed: {}", t.address(), e.toString());
                    }
                    Thread.sleep(spacing);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    static List<Target> targets(RegistryState state) {
        List<Target> all = new ArrayList<>();
        for (Cluster c : state.clusters().values()) {
            if (!watched(state, c)) {
                continue;
            }
            for (Group g : c.groups()) {
                g.instances().forEach(i -> all.add(new Target(c.name(), g.id(), i.address())));
            }
        }
        return all;
    }

    /** A cluster is watched once a config was rolled out, and not while one of its jobs runs. */
    static boolean watched(RegistryState state, Cluster c) {
        return c.config().rolledOut() > 0 && state.jobsOf(c.name()).stream().allMatch(j -> j.state().terminal());
    }

    /** Reads one instance's managed parameters, repairs them when the policy says so, records what differs. */
    void check(Target t) {
        RegistryState state = registry.readLocal();
        Optional<Cluster> cluster = state.cluster(t.cluster()).filter(c -> watched(state, c));
        Optional<Group> group = cluster.flatMap(c -> c.group(t.group()))
                .filter(g -> g.failover() == null && g.instances().map(Instance::address).anyMatch(t.address()::equals));
        if (group.isEmpty()) {
            return;
        }
        Cluster c = cluster.get();
        ConfigVersion v = c.config().rolledOutVersion();
        Map<String, String> expected = v.expectedFor(t.group(), t.address());
        Map<String, String> differing;
        try {
            differing = RedisConfig.differing(expected, redis.configGet(t.address(), expected.keySet()));
            if (!differing.isEmpty() && c.policy().repairDrift()) {
                Map<String, String> written = v.redisFor(t.group(), t.address());
                Map<String, String> back = new TreeMap<>();
                differing.keySet().forEach(k -> back.put(k, written.get(k)));
                RedisConfig.Persisted persisted = redis.applyConfig(t.address(), back);
                String what = differing.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + " -> "
                        + expected.get(e.getKey())).collect(Collectors.joining(", "));
                event(c.name(), "+config-drift-repaired", t.address().logId(), "set back to config version " + v.version()
                        + ": " + what + "; " + persisted.describe());
                differing = RedisConfig.differing(expected, redis.configGet(t.address(), expected.keySet()));
            }
        } catch (RuntimeException e) {
            LOG.debug("drift check of {} failed: {}", t.address(), e.toString());
            return; // unreachable or refusing: the prober and the controller deal with that
        }
        List<ConfigDrift> was = c.config().drift().getOrDefault(t.address().toString(), List.of());
        long now = clock.millis();
        List<ConfigDrift> items = new ArrayList<>();
        differing.forEach((k, actual) -> items.add(new ConfigDrift(k, expected.get(k), actual, was.stream()
                .filter(d -> d.param().equals(k) && d.actual().equals(actual)).map(ConfigDrift::sinceMillis)
                .findFirst().orElse(now))));
        List<ConfigDrift> recorded = items.size() > ConfigDrift.MAX_PER_INSTANCE
                ? items.subList(0, ConfigDrift.MAX_PER_INSTANCE) // the first ones say enough
                : items;
        if (!same(was, recorded)) {
            registry.submit(new SetConfigDrift(c.name(), t.address(), recorded, now));
        }
    }

    private static boolean same(List<ConfigDrift> a, List<ConfigDrift> b) {
        return a.size() == b.size() && a.stream().allMatch(x -> b.stream().anyMatch(y -> y.param().equals(x.param())
                && y.actual().equals(x.actual()) && y.expected().equals(x.expected())));
    }

    private void event(String cluster, String type, String subject, String message) {
        LOG.info("{} {} {}", type, subject, message);
        try {
            registry.submit(new RecordEvent(cluster, type, subject, message, clock.millis()));
        } catch (RuntimeException e) {
            LOG.debug("event {} not recorded: {}", type, e.toString());
        }
    }
}
