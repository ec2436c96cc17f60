package io.cfgserver.service.api;

import io.cfgserver.service.jobs.JobService;
import io.cfgserver.service.jobs.JobService.JobView;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Jobs: {@code /v1/jobs/{id}} to track and control (ClusterJobsResource starts and lists them). */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {
    private final JobService jobs;

    public JobsResource(JobService jobs) {
        this.jobs = jobs;
    }

    @GET
    @Path("/{id}")
    public JobView show(@PathParam("id") String id) {
        return jobs.show(id);
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Path("/{id}/cancel")
    public JobView cancel(@PathParam("id") String id) {
        return jobs.cancel(id);
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Path("/{id}/pause")
    public JobView pause(@PathParam("id") String id) {
        return jobs.pause(id);
    }

    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Path("/{id}/resume")
    public JobView resume(@PathParam("id") String id) {
        return jobs.resume(id);
    }
}
