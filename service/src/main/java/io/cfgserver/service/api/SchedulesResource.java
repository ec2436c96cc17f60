package io.cfgserver.service.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.service.jobs.ScheduleService;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/**
 * {@code /v1/clusters/{name}/schedules}: scheduled rebalancing ({@code {"cron":"0 3 * * *","window":"2h",
 * "tolerance":0.05,"maxMoves":8}}, or {@code "every":"6h"} instead of cron), as Temporal Schedules.
 */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters/{name}/schedules")
@Produces(MediaType.APPLICATION_JSON)
public class SchedulesResource {
    private final ScheduleService schedules;

    public SchedulesResource(ScheduleService schedules) {
        this.schedules = schedules;
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(@PathParam("name") String cluster, Map<String, JsonNode> body) {
        Requests.required(body, "{\"cron\":\"0 3 * * *\",\"window\":\"2h\",\"tolerance\":0.05,\"maxMoves\":8}");
        return Response.status(201).entity(schedules.create(cluster, body)).build();
    }

    @GET
    public List<ScheduleService.ScheduleView> list(@PathParam("name") String cluster) {
        return schedules.list(cluster);
    }

    @GET
    @Path("/{id}")
    public ScheduleService.ScheduleView show(@PathParam("name") String cluster, @PathParam("id") String id) {
        return schedules.show(cluster, id);
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("name") String cluster, @PathParam("id") String id) {
        schedules.delete(cluster, id);
        return Response.noContent().build();
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Path("/{id}/pause")
    public ScheduleService.ScheduleView pause(@PathParam("name") String cluster, @PathParam("id") String id) {
        return schedules.pause(cluster, id, true);
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Path("/{id}/unpause")
    public ScheduleService.ScheduleView unpause(@PathParam("name") String cluster, @PathParam("id") String id) {
        return schedules.pause(cluster, id, false);
    }

    /** Runs it now, as if its time had come. */
    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Path("/{id}/trigger")
    public ScheduleService.ScheduleView trigger(@PathParam("name") String cluster, @PathParam("id") String id) {
        return schedules.trigger(cluster, id);
    }
}
