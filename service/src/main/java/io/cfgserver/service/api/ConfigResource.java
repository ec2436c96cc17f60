package io.cfgserver.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.ConfigPatch;
import io.cfgserver.registry.command.PatchConfig;
import io.cfgserver.registry.command.RollbackConfig;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.ConfigDrift;
import io.cfgserver.registry.topology.ConfigVersion;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.service.configmgmt.ConfigChecker;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code /v1/clusters/{name}/config}: the cluster's desired Redis and nutcracker settings (docs/config.md).
 * PUT changes the fields it names ({@code null} removes one), checked against a real Redis first; each
 * change is a new version; a {@code config-rollout} job puts a version on the instances and proxies.
 */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters/{name}/config")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ConfigResource {
    private final RegistryClient registry;
    private final Clock clock;
    private final Duration driftPeriod;

    public ConfigResource(RegistryClient registry, Clock clock, Duration driftPeriod) {
        this.registry = registry;
        this.clock = clock;
        this.driftPeriod = driftPeriod;
    }

    /** The body of GET, in the shape PUT takes, with the version's bookkeeping around it. */
    public record ConfigView(String cluster, long version, long rolledOut, boolean pending, long atMillis, String note,
            Map<String, String> redis, Map<String, String> nutcracker, Map<String, Map<String, Map<String, String>>> groups,
            Map<String, Map<String, Map<String, String>>> instances, Map<String, String> canonical,
            Map<String, Map<String, Object>> proxies) {
    }

    static ConfigView view(Cluster c, ConfigVersion v) {
        Map<String, Map<String, Object>> proxies = new TreeMap<>();
        for (Proxy p : c.proxies()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("configVersion", p.configVersion());
            m.put("nutcracker", p.nutcracker());
            proxies.put(p.id(), m);
        }
        return new ConfigView(c.name(), v.version(), c.config().rolledOut(), v.version() != c.config().rolledOut(),
                v.atMillis(), v.note(), v.redis(), v.nutcracker(), wrap(v.groups()), wrap(v.instances()), v.canonical(),
                proxies);
    }

    private static Map<String, Map<String, Map<String, String>>> wrap(Map<String, Map<String, String>> levels) {
        Map<String, Map<String, Map<String, String>>> out = new TreeMap<>();
        levels.forEach((k, v) -> out.put(k, Map.of("redis", v)));
        return out;
    }

    @GET
    public ConfigView show(@PathParam("name") String name, @QueryParam("version") Long version,
            @QueryParam("consistency") String consistency) {
        Cluster c = Reads.cluster(Reads.state(registry, consistency), name);
        if (version == null) {
            return view(c, c.config().current());
        }
        return view(c, c.config().version(version).orElseThrow(() -> ApiError.notFound("config version " + version
                + " of " + c.logId() + " is not kept; GET .../config/history lists the versions kept")));
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @PUT
    public ConfigView update(@PathParam("name") String name, JsonNode body) {
        ConfigPatch patch = ConfigChecker.parse(body);
        PatchConfig command = ConfigChecker.check(registry.read(), name, patch, clock.millis());
        registry.submit(command);
        Cluster c = Reads.cluster(registry.readLocal(), name);
        return view(c, c.config().current());
    }

    @GET
    @Path("/history")
    public List<ConfigView> history(@PathParam("name") String name, @QueryParam("consistency") String consistency) {
        Cluster c = Reads.cluster(Reads.state(registry, consistency), name);
        List<ConfigView> out = new ArrayList<>();
        c.config().versions().forEach(v -> out.add(view(c, v)));
        return out;
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Path("/rollback")
    public ConfigView rollback(@PathParam("name") String name, @QueryParam("version") Long version) {
        if (version == null) {
            throw ApiError.badRequest("say which version to go back to: POST .../config/rollback?version=N"
                    + " (GET .../config/history lists them)");
        }
        registry.submit(new RollbackConfig(name, version, clock.millis()));
        Cluster c = Reads.cluster(registry.readLocal(), name);
        return view(c, c.config().current());
    }

    /** One instance's drift. */
    public record InstanceDrift(String address, String group, String role, List<ConfigDrift> drift) {
    }

    public record DriftView(String cluster, long rolledOut, long checkedEveryMillis, boolean repair,
            List<InstanceDrift> instances) {
    }

    @GET
    @Path("/drift")
    public DriftView drift(@PathParam("name") String name, @QueryParam("consistency") String consistency) {
        Cluster c = Reads.cluster(Reads.state(registry, consistency), name);
        List<InstanceDrift> out = new ArrayList<>();
        for (Group g : c.groups()) {
            for (Instance i : g.instances().toList()) {
                List<ConfigDrift> d = c.config().drift().get(i.address().toString());
                if (d != null && !d.isEmpty()) {
                    out.add(new InstanceDrift(i.address().toString(), g.id(), i == g.master() ? "master" : "replica", d));
                }
            }
        }
        return new DriftView(c.name(), c.config().rolledOut(), driftPeriod.toMillis(), c.policy().repairDrift(), out);
    }
}
