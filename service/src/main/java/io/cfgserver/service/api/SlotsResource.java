package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.AssignSlots;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.topology.SlotRange;
import io.cfgserver.service.api.Requests.RangeBody;
import io.cfgserver.service.api.Requests.SlotsBody;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /v1/clusters/{name}/slots}. PUT assigns owners without moving any data, so it is refused
 * unless the request says {@code "force": true} (new clusters, repair). Moving data is a job.
 */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters/{name}/slots")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SlotsResource {
    private final RegistryClient registry;
    private final Clock clock;

    public SlotsResource(RegistryClient registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @GET
    public List<SlotRange> show(@PathParam("name") String name, @QueryParam("consistency") String consistency) {
        return Reads.cluster(Reads.state(registry, consistency), name).slots().runs();
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @PUT
    public Response assign(@PathParam("name") String name, SlotsBody body) {
        Requests.required(body, "{\"ranges\":[{\"from\",\"to\",\"group\"}],\"force\":true}");
        if (!Boolean.TRUE.equals(body.force())) {
            throw ApiError.fail(409, "force-required", "assigning slots does not move keys: data in the moved slots "
                    + "becomes unreachable. Use a migration job to move data, or send \"force\": true to assign anyway");
        }
        if (body.ranges() == null || body.ranges().isEmpty()) {
            throw ApiError.invalid("ranges is missing: give [{\"from\":0,\"to\":1023,\"group\":\"g1\"}, ...] covering all 1024 slots");
        }
        List<SlotRange> ranges = new ArrayList<>();
        for (int i = 0; i < body.ranges().size(); i++) {
            RangeBody r = body.ranges().get(i);
            if (r == null || r.from() == null || r.to() == null || r.group() == null) {
                throw ApiError.invalid("ranges[" + i + "] needs from, to and group");
            }
            ranges.add(new SlotRange(r.from(), r.to(), r.group()));
        }
        CommandResult result = registry.submit(new AssignSlots(name, ranges, clock.millis()));
        return Response.ok(Reads.cluster(registry.readLocal(), name).slots().runs())
                .header("X-Topology-Version", result.version()).build();
    }
}
