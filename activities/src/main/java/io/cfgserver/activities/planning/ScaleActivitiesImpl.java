package io.cfgserver.activities.planning;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.AddGroup;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.RemoveGroup;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.RegistryState;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;

/** {@link ScaleActivities} over the registry client and short Jedis connections. */
public final class ScaleActivitiesImpl implements ScaleActivities {
    private static final int TIMEOUT_MILLIS = 5000;
    private final RegistryClient registry;
    private final ClusterPlanner planner = new ClusterPlanner(new SlotSampler(TIMEOUT_MILLIS));
    private final Clock clock = Clock.systemUTC();

    public ScaleActivitiesImpl(RegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public PlanResult plan(ScaleRequest req) {
        RegistryState state = registry.read();
        PlanResult plan;
        try {
            plan = planner.plan(state, req, false);
        } catch (ClusterPlanner.Refused e) {
            throw ApplicationFailure.newNonRetryableFailure(req.kind() + " refused: " + e.getMessage(), FAILURE_REFUSED);
        }
        // The service checked the whole id (version and moves) when it started the job; here the job's own
        // steps (a scale-out registers its groups) have moved the version on, so the moves are compared.
        if (req.planId() != null && !ClusterPlanner.digest(req.planId()).equals(ClusterPlanner.digest(plan.id()))) {
            throw ApplicationFailure.newNonRetryableFailure("the cluster changed since " + req.planId() + " was made"
                    + " (planning again now gives other moves, " + plan.id() + " at version " + plan.version() + "):"
                    + " nothing was moved; make a new plan (POST /v1/clusters/" + req.cluster() + "/plans) and start that",
                    FAILURE_STALE_PLAN);
        }
        return plan;
    }

    @Override
    public void check(ScaleRequest req) {
        RegistryState state = registry.read();
        String problem = req.problem(state.cluster(req.cluster()).orElse(null), true, state.addressesInUse());
        if (problem != null) {
            throw ApplicationFailure.newNonRetryableFailure(req.kind() + " refused, nothing changed: " + problem,
                    FAILURE_REFUSED);
        }
    }

    @Override
    public void checkEmptyMaster(String address) {
        Address a = Address.parse(address);
        try (Jedis jedis = connect(a)) {
            long keys = jedis.dbSize();
            String role = jedis.info("replication").lines().filter(l -> l.startsWith("role:")).findFirst()
                    .map(l -> l.substring(5).trim()).orElse("?");
            if (!role.equals("master")) {
                throw ApplicationFailure.newNonRetryableFailure(a.logId() + " is a " + role + ": a new group's master"
                        + " must be a master (REPLICAOF NO ONE)", FAILURE_REFUSED);
            }
            if (keys > 0) {
                throw ApplicationFailure.newNonRetryableFailure(a.logId() + " holds " + keys + " keys: a new group's"
                        + " master must be empty (FLUSHALL it if its keys are not needed)", FAILURE_REFUSED);
            }
        }
    }

    @Override
    public void registerGroup(String cluster, NewGroup group) {
        Cluster c = cluster(cluster);
        Optional<Group> existing = c.group(group.id());
        if (existing.isPresent()) {
            if (existing.get().master().address().equals(Address.parse(group.master()))) {
                return;
            }
            throw ApplicationFailure.newNonRetryableFailure("group-[" + group.id() + "] exists already with master "
                    + existing.get().master().address() + ", not " + group.master(), FAILURE_REFUSED);
        }
        // the cluster's rolled-out config on the new master before it is registered (and long before it owns a slot)
        Address master = Address.parse(group.master());
        java.util.Map<String, String> values = c.config().rolledOutVersion().redisFor(group.id(), master);
        if (!values.isEmpty()) {
            try (Jedis jedis = connect(master)) {
                io.cfgserver.registry.config.RedisConfig.apply(jedis, values);
            } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                throw ApplicationFailure.newNonRetryableFailure(master.logId() + ", the new master of group-[" + group.id()
                        + "], refused the cluster's config version " + c.config().rolledOut() + ": " + e.getMessage(),
                        FAILURE_REFUSED);
            }
        }
        submit(new AddGroup(cluster, new GroupSpec(group.id(), master, List.of()), clock.millis()),
                () -> cluster(cluster).group(group.id()).isPresent());
    }

    @Override
    public List<String> removeGroup(String cluster, String group) {
        Optional<Group> g = cluster(cluster).group(group);
        if (g.isEmpty()) {
            return List.of();
        }
        List<String> instances = g.get().instances().map(i -> i.address().toString()).toList();
        submit(new RemoveGroup(cluster, group, clock.millis()), () -> cluster(cluster).group(group).isEmpty());
        return instances;
    }

    private static Jedis connect(Address a) {
        return new Jedis(new HostAndPort(a.host(), a.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(TIMEOUT_MILLIS).socketTimeoutMillis(TIMEOUT_MILLIS)
                .protocol(RedisProtocol.RESP2).build());
    }

    private Cluster cluster(String name) {
        return registry.read().cluster(name).orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                "cluster-[" + name + "] does not exist", FAILURE_REFUSED));
    }

    /** Submits; a refusal is final unless {@code done} shows that an earlier attempt whose reply was lost did it. */
    private void submit(io.cfgserver.registry.command.Command command, java.util.function.BooleanSupplier done) {
        String message;
        try {
            CommandResult result = registry.submit(command);
            if (result == null || result.ok()) {
                return;
            }
            message = result.message();
        } catch (CommandRejectedException e) {
            message = e.getMessage();
        }
        if (done.getAsBoolean()) {
            return;
        }
        throw ApplicationFailure.newNonRetryableFailure("registry refused " + command.getClass().getSimpleName() + ": "
                + message, FAILURE_REFUSED);
    }
}
