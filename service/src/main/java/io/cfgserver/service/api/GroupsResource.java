package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.AddGroup;
import io.cfgserver.registry.command.AddReplica;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.RemoveGroup;
import io.cfgserver.registry.command.RemoveReplica;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.service.api.Requests.GroupBody;
import io.cfgserver.service.api.Requests.ReplicaBody;
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

    @POST
    public Response add(@PathParam("name") String name, GroupBody body) {
        Requests.required(body, "{\"id\",\"master\",\"replicas\"}");
        CommandResult r = registry.submit(new AddGroup(name, Requests.group(body, "group"), clock.millis()));
        return Response.status(201).entity(group(name, body.id(), null))
                .header("X-Topology-Version", r.version()).build();
    }

    @DELETE
    @Path("/{id}")
    public Response remove(@PathParam("name") String name, @PathParam("id") String id) {
        registry.submit(new RemoveGroup(name, id, clock.millis()));
        return Response.noContent().build();
    }

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
        return Response.status(201).entity(group(name, id, null)).header("X-Topology-Version", r.version())
                .build();
    }

    @DELETE
    @Path("/{id}/replicas/{address}")
    public Response removeReplica(@PathParam("name") String name, @PathParam("id") String id,
            @PathParam("address") String address) {
        registry.submit(new RemoveReplica(name, id, Requests.address(address, "address in the path"), clock.millis()));
        return Response.noContent().build();
    }

    private Group group(String name, String id, String consistency) {
        return Reads.cluster(Reads.state(registry, consistency), name).group(id)
                .orElseThrow(() -> ApiError.notFound("group-[" + id + "] is not in cluster-[" + name + "]"));
    }
}
