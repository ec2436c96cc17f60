package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.EndMaintenance;
import io.cfgserver.registry.command.SetMaintenance;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Maintenance;
import io.cfgserver.service.auth.Caller;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Clock;
import java.util.List;

/**
 * {@code /v1/clusters/{name}/maintenance}: maintenance windows on a group or an instance (docs/failover.md,
 * "Maintenance mode"). While one is active, automatic failover of the group (or of the group whose master
 * the instance is) is suspended, and the instance is neither banned nor promoted automatically; it ends by
 * itself at its expiry. Planned switchovers still run.
 */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters/{name}/maintenance")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class MaintenanceResource {
    /** A window as shown: with the seconds it has left. */
    public record WindowView(String target, long sinceMillis, long untilMillis, long secondsLeft, String reason, String by) {
        static WindowView of(Maintenance m, long now) {
            return new WindowView(m.target(), m.sinceMillis(), m.untilMillis(), Math.max(0, (m.untilMillis() - now + 999) / 1000),
                    m.reason(), m.by());
        }
    }

    /** {@code seconds}: how long from now (1 s to 7 days); {@code reason}: what it is for (optional). */
    public record WindowBody(Long seconds, String reason) {
    }

    private final RegistryClient registry;
    private final Clock clock;

    public MaintenanceResource(RegistryClient registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @GET
    public List<WindowView> list(@PathParam("name") String name, @QueryParam("consistency") String consistency) {
        Cluster c = Reads.cluster(Reads.state(registry, consistency), name);
        long now = clock.millis();
        return c.maintenance().stream().filter(m -> m.activeAt(now)).map(m -> WindowView.of(m, now)).toList();
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @PUT
    @Path("/{target}")
    public WindowView set(@PathParam("name") String name, @PathParam("target") String target, WindowBody body,
            @Context SecurityContext security) {
        Requests.required(body, "{\"seconds\":600,\"reason\":\"why\"}");
        if (body.seconds() == null || body.seconds() < 1 || body.seconds() > Maintenance.MAX_MILLIS / 1000) {
            throw ApiError.invalid("seconds must be between 1 and " + Maintenance.MAX_MILLIS / 1000 + " (7 days), got "
                    + body.seconds());
        }
        String by = security != null && security.getUserPrincipal() instanceof Caller c ? c.name() : "";
        long now = clock.millis();
        registry.submit(new SetMaintenance(name, target, now + body.seconds() * 1000, body.reason(), by, now));
        Cluster c = Reads.cluster(registry.readLocal(), name);
        String stored = target.contains(":") ? Requests.address(target, "target").toString() : target;
        return c.maintenanceOf(stored, now).map(m -> WindowView.of(m, now))
                .orElseThrow(() -> ApiError.fail(409, "conflict", "the window on " + target + " ended while it was set"));
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @DELETE
    @Path("/{target}")
    public jakarta.ws.rs.core.Response end(@PathParam("name") String name, @PathParam("target") String target,
            @Context SecurityContext security) {
        // linearizable: a window set through another peer a moment ago must be found, not a 404
        Cluster c = Reads.cluster(registry.read(), name);
        String stored = target.contains(":") ? Requests.address(target, "target").toString() : target;
        if (c.maintenance().stream().noneMatch(m -> m.target().equals(stored))) {
            throw ApiError.notFound("no maintenance window on " + target + " in cluster-[" + name + "]");
        }
        String by = security != null && security.getUserPrincipal() instanceof Caller caller ? " by " + caller.name() : "";
        registry.submit(new EndMaintenance(name, stored, "cleared" + by, clock.millis()));
        return jakarta.ws.rs.core.Response.noContent().build();
    }
}
