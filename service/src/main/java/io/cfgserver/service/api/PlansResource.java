package io.cfgserver.service.api;

import io.cfgserver.service.jobs.JobParams;
import io.cfgserver.service.jobs.JobService;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code POST /v1/clusters/{name}/plans}: the plan of a scale job ({@code scale-out}, {@code scale-in},
 * {@code rebalance}) with the body a job would have, made and not run (a dry run): the moves, their
 * keys and bytes (sampled), an ETA, and the body that starts exactly this plan.
 */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters/{name}/plans")
@Produces(MediaType.APPLICATION_JSON)
public class PlansResource {
    private final JobService jobs;

    public PlansResource(JobService jobs) {
        this.jobs = jobs;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public JobService.PlanView plan(@PathParam("name") String cluster, ClusterJobsResource.StartJobBody body) {
        Requests.required(body, "{\"type\":\"rebalance\",\"params\":{}}");
        return jobs.plan(cluster, body.type(), new JobParams(body.params()));
    }
}
