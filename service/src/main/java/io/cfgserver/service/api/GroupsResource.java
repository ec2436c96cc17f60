package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.AddGroup;
import io.cfgserver.registry.command.AddReplica;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.RemoveGroup;
import io.cfgserver.registry.command.RemoveReplica;
import io.cfgserver.registry.command.RequestSwitchover;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.service.api.Requests.GroupBody;
import io.cfgserver.service.api.Requests.ReplicaBody;
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
import java.util.List;

/**
 * {@code /v1/clusters/{name}/groups}: add and remove groups and replicas, by registry command only.
 * Registering a replica here does not configure Redis: the add-replica job does both.
 */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters/{name}/groups")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class GroupsResource {
    private final RegistryClient registry;
    private final Clock clock;

    public GroupsResource(RegistryClient registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @GET
    public List<Group> list(@PathParam("name") String name, @QueryParam("consistency") String consistency) {
        return Reads.cluster(Reads.state(registry, consistency), name).groups();
    }

    @GET
    @Path("/{id}")
    public Group show(@PathParam("name") String name, @PathParam("id") String id,
            @QueryParam("consistency") String consistency) {
        return group(name, id, consistency);
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @POST
    public Response add(@PathParam("name") String name, GroupBody body) {
        Requests.required(body, "{\"id\",\"master\",\"replicas\"}");
        CommandResult r = registry.submit(new AddGroup(name, Requests.group(body, "group"), clock.millis()));
        return Response.status(201).entity(group(name, body.id(), "local"))
                .header("X-Topology-Version", r.version()).build();
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @DELETE
    @Path("/{id}")
    public Response remove(@PathParam("name") String name, @PathParam("id") String id) {
        registry.submit(new RemoveGroup(name, id, clock.millis()));
        return Response.noContent().build();
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @POST
    @Path("/{id}/replicas")
    public Response addReplica(@PathParam("name") String name, @PathParam("id") String id, ReplicaBody body) {
        Requests.required(body, "{\"address\":\"host:port\"}");
        Address address = Requests.address(body.address(), "address");
        if (body.priority() != null && body.priority() < 0) {
            throw ApiError.invalid("priority must be >= 0 (0: never promote), got " + body.priority());
        }
        CommandResult r = registry.submit(
                new AddReplica(name, id, address, body.priority(), body.region(), clock.millis()));
        return Response.status(201).entity(group(name, id, "local")).header("X-Topology-Version", r.version())
                .build();
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @DELETE
    @Path("/{id}/replicas/{address}")
    public Response removeReplica(@PathParam("name") String name, @PathParam("id") String id,
            @PathParam("address") String address) {
        registry.submit(new RemoveReplica(name, id, Requests.address(address, "address in the path"), clock.millis()));
        return Response.noContent().build();
    }

    /** {@code POST .../groups/{id}/switchover} body: optional target replica and how long to wait. */
    public record SwitchoverBody(String target, Long timeoutMs) {
    }

    /**
     * A planned switchover (Redis' FAILOVER TO: writes pause until the target has caught up, so
     * nothing acknowledged is lost), carried out by the registry leader's controller. Answers when
     * it has ended: 200 with the history record, 409 when it was aborted, 504 when it takes longer
     * than {@code timeoutMs} (it goes on; GET the group to follow it).
     */
    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Path("/{id}/switchover")
    public Response switchover(@PathParam("name") String name, @PathParam("id") String id, SwitchoverBody body) {
        SwitchoverBody b = body == null ? new SwitchoverBody(null, null) : body;
        Address target = b.target() == null || b.target().isBlank() ? null : Requests.address(b.target(), "target");
        java.time.Duration wait = Reads.waitDuration(b.timeoutMs() == null ? 30_000L : b.timeoutMs());
        Group before = group(name, id, null);
        long epoch = before.epoch() + 1;
        registry.submit(new RequestSwitchover(name, id, target, clock.millis()));
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            Group g = group(name, id, "local");
            if (g.failover() == null) {
                var record = g.history().stream().filter(h -> h.epoch() == epoch).reduce((x, y) -> y);
                if (record.isPresent()) {
                    if (!record.get().outcome().equals("done")) {
                        throw ApiError.fail(409, "switchover-aborted", "the switchover of group-[" + id + "] was aborted: "
                                + record.get().outcome() + " (see GET /v1/clusters/" + name + "/events)");
                    }
                    return Response.ok(record.get()).build();
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw ApiError.fail(504, "switchover-pending", "the switchover of group-[" + id + "] has not ended within "
                + wait.toMillis() + " ms; it goes on: GET /v1/clusters/" + name + "/groups/" + id + " shows it");
    }

    private Group group(String name, String id, String consistency) {
        return Reads.cluster(Reads.state(registry, consistency), name).group(id)
                .orElseThrow(() -> ApiError.notFound("group-[" + id + "] is not in cluster-[" + name + "]"));
    }
}
