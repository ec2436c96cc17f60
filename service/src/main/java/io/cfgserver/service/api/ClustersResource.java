package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.DeleteCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.ProxySpec;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Event;
import io.cfgserver.service.api.Requests.CreateClusterBody;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code /v1/clusters}: create, list, show, delete; the topology long-poll; the event log. */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ClustersResource {
    private final RegistryClient registry;
    private final Clock clock;

    public ClustersResource(RegistryClient registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** A cluster as the API shows it: the record plus slot counts per group. */
    public record ClusterView(Cluster cluster, Map<String, Integer> slotsPerGroup) {
        static ClusterView of(Cluster c) {
            return new ClusterView(c, c.slots().countByGroup());
        }
    }

    /** The short form in listings. */
    public record ClusterSummary(String name, long version, int groups, int proxies) {
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @POST
    public Response create(CreateClusterBody body) {
        Requests.required(body, "{\"name\",\"groups\":[...],\"proxies\":[...]}");
        if (body.name() == null || body.name().isBlank()) {
            throw ApiError.invalid("name is missing: give the cluster a name");
        }
        if (body.groups() == null || body.groups().isEmpty()) {
            throw ApiError.invalid("groups is missing or empty: a cluster needs at least one group with a master");
        }
        List<GroupSpec> groups = new ArrayList<>();
        for (int i = 0; i < body.groups().size(); i++) {
            groups.add(Requests.group(body.groups().get(i), "groups[" + i + "]"));
        }
        List<ProxySpec> proxies = new ArrayList<>();
        List<Requests.ProxyBody> proxyBodies = body.proxies() == null ? List.of() : body.proxies();
        for (int i = 0; i < proxyBodies.size(); i++) {
            proxies.add(Requests.proxy(proxyBodies.get(i), "proxies[" + i + "]"));
        }
        CommandResult result = registry.submit(new CreateCluster(body.name(), groups, proxies, clock.millis()));
        Cluster created = Reads.cluster(registry.readLocal(), body.name());
        return Response.status(201).entity(ClusterView.of(created))
                .header("X-Topology-Version", result.version()).build();
    }

    @GET
    public List<ClusterSummary> list(@QueryParam("consistency") String consistency) {
        return Reads.state(registry, consistency).clusters().values().stream()
                .map(c -> new ClusterSummary(c.name(), c.version(), c.groups().size(), c.proxies().size()))
                .toList();
    }

    @GET
    @Path("/{name}")
    public ClusterView show(@PathParam("name") String name, @QueryParam("consistency") String consistency,
            @QueryParam("minVersion") Long minVersion, @QueryParam("waitMs") Long waitMs) {
        return ClusterView.of(Reads.clusterAtLeast(registry, name, minVersion, waitMs, consistency));
    }

    /**
     * Long poll for proxies: answers as soon as this peer knows a version greater than
     * {@code afterVersion}, or after {@code waitMs} with the current cluster (same version).
     */
    @RolesAllowed({Role.VIEWER_NAME, Role.PROXY_NAME})
    @GET
    @Path("/{name}/topology")
    public Response watch(@PathParam("name") String name, @QueryParam("afterVersion") Long afterVersion,
            @QueryParam("waitMs") Long waitMs) {
        long after = afterVersion == null ? 0 : afterVersion;
        if (after < 0) {
            throw ApiError.badRequest("afterVersion must be >= 0");
        }
        Duration wait = Reads.waitDuration(waitMs);
        Reads.clusterForWrite(registry, name); // 404 only if the leader does not know it either
        Optional<Cluster> seen;
        try {
            seen = registry.awaitVersion(name, after, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.fail(503, "interrupted", "interrupted while watching cluster-[" + name + "]");
        }
        Cluster c = seen.orElseThrow(() -> ApiError.notFound("cluster-[" + name + "] does not exist"));
        return Response.ok(ClusterView.of(c)).header("X-Topology-Version", c.version()).build();
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @DELETE
    @Path("/{name}")
    public Response delete(@PathParam("name") String name) {
        registry.submit(new DeleteCluster(name, clock.millis()));
        return Response.noContent().build();
    }

    /** {@code POST .../events}: agents and operators add to the event log. */
    public record EventBody(String type, String subject, String message) {
    }

    @RolesAllowed({Role.OPERATOR_NAME, Role.PROXY_NAME})
    @POST
    @Path("/{name}/events")
    public Response addEvent(@PathParam("name") String name, EventBody body,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.core.SecurityContext security) {
        Requests.required(body, "{\"type\":\"+name\",\"subject\",\"message\"}");
        if (security != null && security.getUserPrincipal() instanceof io.cfgserver.service.auth.Caller c
                && c.role() == Role.PROXY) {
            // an agent speaks of its own proxies only: a leaked agent token cannot write about anything else
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("proxy-\\[([^\\]]+)]").matcher(
                    body.subject() == null ? "" : body.subject());
            if (!m.matches() || !c.speaksFor(name, m.group(1))) {
                throw ApiError.fail(403, "forbidden", "a proxy token posts events about its own proxies only (subject "
                        + "proxy-[id] with id among " + c.proxies() + "), got subject '" + body.subject() + "'");
            }
        }
        registry.submit(new RecordEvent(name, body.type(), body.subject(), body.message(), clock.millis()));
        return Response.status(201).build();
    }

    @GET
    @Path("/{name}/events")
    public List<Event> events(@PathParam("name") String name, @QueryParam("afterSeq") Long afterSeq,
            @QueryParam("limit") Integer limit, @QueryParam("consistency") String consistency) {
        var state = Reads.state(registry, consistency);
        Reads.cluster(state, name);
        int max = limit == null ? 200 : limit;
        if (max < 1 || max > 1000) {
            throw ApiError.badRequest("limit must be between 1 and 1000, got " + max);
        }
        long after = afterSeq == null ? 0 : afterSeq;
        List<Event> events = state.events(name).stream().filter(e -> e.seq() > after).toList();
        return events.subList(Math.max(0, events.size() - max), events.size());
    }
}
