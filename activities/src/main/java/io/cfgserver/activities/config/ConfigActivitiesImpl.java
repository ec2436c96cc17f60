package io.cfgserver.activities.config;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.MarkConfigRolledOut;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.SetProxySettings;
import io.cfgserver.registry.config.RedisConfig;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.ConfigVersion;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Proxy;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;

/** {@link ConfigActivities} over the registry client and short Jedis connections. */
public final class ConfigActivitiesImpl implements ConfigActivities {
    private static final int TIMEOUT_MILLIS = 5000;
    /** How long a proxy may take to render, restart and ack its new settings. */
    static final Duration PROXY_WAIT = Duration.ofSeconds(60);

    private final RegistryClient registry;
    private final Clock clock = Clock.systemUTC();

    public ConfigActivitiesImpl(RegistryClient registry) {
        this.registry = registry;
    }

    private Cluster cluster(String name) {
        return registry.read().cluster(name).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "cluster-[" + name + "] does not exist", FAILURE_REFUSED));
    }

    private static ConfigVersion version(Cluster c, long version) {
        return c.config().version(version).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure("config version "
                + version + " of " + c.logId() + " is not kept (current " + c.config().current().version() + ")",
                FAILURE_REFUSED));
    }

    @Override
    public RolloutPlan plan(String cluster, long version, String canary) {
        Cluster c = cluster(cluster);
        ConfigVersion v = version(c, version == 0 ? c.config().current().version() : version);
        if (v.version() == 0) {
            throw ApplicationFailure.newNonRetryableFailure(c.logId() + " has no config to roll out: store one with"
                    + " PUT /v1/clusters/" + cluster + "/config", FAILURE_REFUSED);
        }
        List<String> groups = new ArrayList<>();
        if (canary != null && !canary.isBlank()) {
            if (c.group(canary).isEmpty()) {
                throw ApplicationFailure.newNonRetryableFailure("canary group-[" + canary + "] is not in " + c.logId(),
                        FAILURE_REFUSED);
            }
            groups.add(canary);
        }
        c.groups().stream().map(Group::id).filter(g -> !groups.contains(g)).forEach(groups::add);
        List<String> proxies = c.proxies().stream().filter(p -> !p.nutcracker().equals(v.nutcracker()))
                .map(Proxy::id).toList();
        return new RolloutPlan(v.version(), groups, proxies, v.hasRedis());
    }

    @Override
    public List<InstanceApplied> applyGroup(String cluster, long version, String group) {
        Cluster c = cluster(cluster);
        ConfigVersion v = version(c, version);
        Group g = c.group(group).orElse(null);
        if (g == null) {
            return List.of(); // removed since the plan: nothing of it left to configure
        }
        List<InstanceApplied> done = new ArrayList<>();
        List<Instance> order = new ArrayList<>(g.replicas());
        order.add(g.master());
        for (Instance i : order) {
            String role = i == g.master() ? "master" : "replica";
            if (i != g.master() && (i.banned() || i.stale())) {
                done.add(new InstanceApplied(i.address().toString(), role, "skipped", (i.banned() ? "banned" : "stale")
                        + ": a drift repair or the next rollout reaches it once it is back"));
                continue;
            }
            String detail = apply(c.name(), g.id(), i.address(), v, role);
            done.add(new InstanceApplied(i.address().toString(), role, "set", detail));
            heartbeat(i.address() + ": " + detail);
        }
        long persisted = done.stream().filter(d -> d.detail().contains("CONFIG REWRITE")).count();
        event(cluster, "+config-applied", g.logId(), "config version " + v.version() + " on " + done.stream()
                .filter(d -> d.outcome().equals("set")).count() + " instances (" + persisted + " written to their config"
                + " file)" + done.stream().filter(d -> !d.outcome().equals("set")).map(d -> "; " + d.address() + " "
                        + d.detail()).collect(Collectors.joining()));
        return done;
    }

    /** Sets, reads back and persists one instance's parameters; a refusal fails the step non-retryably. */
    private String apply(String cluster, String group, Address a, ConfigVersion v, String role) {
        Map<String, String> values = v.redisFor(group, a);
        Map<String, String> expected = v.expectedFor(group, a);
        try (Jedis j = connect(a)) {
            RedisConfig.Persisted persisted;
            try {
                persisted = RedisConfig.apply(j, values);
            } catch (JedisDataException e) {
                throw ApplicationFailure.newNonRetryableFailure(a.logId() + " (" + role + " of group-[" + group + "])"
                        + " refused config version " + v.version() + ": " + e.getMessage(), FAILURE_REFUSED);
            }
            Map<String, String> differing = RedisConfig.differing(expected, RedisConfig.read(j, expected.keySet()));
            if (!differing.isEmpty()) {
                throw ApplicationFailure.newNonRetryableFailure(a.logId() + " (" + role + " of group-[" + group + "])"
                        + " does not read back config version " + v.version() + " after CONFIG SET: " + differing
                                .entrySet().stream().map(e -> e.getKey() + " reads " + e.getValue() + ", expected "
                                        + expected.get(e.getKey())).collect(Collectors.joining("; ")), FAILURE_REFUSED);
            }
            return values.size() + " parameters set and verified; " + persisted.describe();
        } catch (JedisDataException e) {
            throw ApplicationFailure.newNonRetryableFailure(a.logId() + " (" + role + " of group-[" + group + "]): "
                    + e.getMessage(), FAILURE_REFUSED);
        }
    }

    @Override
    public String applyProxy(String cluster, long version, String proxy) {
        Cluster c = cluster(cluster);
        version(c, version);
        if (c.proxy(proxy).isEmpty()) {
            return "proxy-[" + proxy + "] was removed meanwhile";
        }
        CommandResult r;
        try {
            r = registry.submit(new SetProxySettings(cluster, proxy, version, clock.millis()));
        } catch (CommandRejectedException e) {
            throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FAILURE_REFUSED);
        }
        long target = r.version();
        long deadline = System.nanoTime() + PROXY_WAIT.toNanos();
        while (true) {
            Optional<Proxy> p = registry.readLocal().cluster(cluster).flatMap(x -> x.proxy(proxy));
            if (p.isEmpty()) {
                return "proxy-[" + proxy + "] was removed meanwhile";
            }
            if (p.get().servedVersion() >= target) {
                return "proxy-[" + proxy + "] serves topology version " + p.get().servedVersion() + " with the settings of"
                        + " config version " + version;
            }
            if (System.nanoTime() > deadline) {
                throw ApplicationFailure.newNonRetryableFailure("proxy-[" + proxy + "] has not served topology version "
                        + target + " (its new nutcracker settings) within " + PROXY_WAIT.toSeconds() + " s: it serves "
                        + p.get().servedVersion() + "; its agent is down or refused the config (see its -config-rejected"
                        + " events); fix it and resume", FAILURE_PROXY);
            }
            heartbeat("waiting for proxy-[" + proxy + "] to serve version " + target);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApplicationFailure.newFailure("interrupted", "Interrupted");
            }
        }
    }

    @Override
    public void markRolledOut(String cluster, long version, String job) {
        try {
            registry.submit(new MarkConfigRolledOut(cluster, version, job, clock.millis()));
        } catch (CommandRejectedException e) {
            throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FAILURE_REFUSED);
        }
    }

    @Override
    public String applyToNewInstance(String cluster, String group, String address) {
        Cluster c = cluster(cluster);
        ConfigVersion v = c.config().rolledOutVersion();
        Address a = Address.parse(address);
        if (v.redisFor(group, a).isEmpty()) {
            return "no config rolled out: nothing to set";
        }
        return "config version " + v.version() + ": " + apply(cluster, group, a, v, "new replica");
    }

    private static Jedis connect(Address a) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(TIMEOUT_MILLIS).socketTimeoutMillis(TIMEOUT_MILLIS)
                .protocol(RedisProtocol.RESP2).build());
    }

    private static void heartbeat(String detail) {
        try {
            Activity.getExecutionContext().heartbeat(detail);
        } catch (IllegalStateException e) {
            // called outside an activity (tests)
        }
    }

    private void event(String cluster, String type, String subject, String message) {
        try {
            registry.submit(new RecordEvent(cluster, type, subject, message, clock.millis()));
        } catch (RuntimeException e) {
            // an event is not worth failing a step that succeeded
        }
    }
}
