package io.cfgserver.service.api;

import io.cfgserver.registry.topology.Job;
import io.cfgserver.service.jobs.JobService;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import io.cfgserver.service.jobs.JobParams;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/** {@code /v1/clusters/{name}/jobs}: start a job, list a cluster's jobs. */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters/{name}/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterJobsResource {
    private final JobService jobs;

    public ClusterJobsResource(JobService jobs) {
        this.jobs = jobs;
    }

    /** {@code {"type":"add-replica","params":{"group":"g1","address":"127.0.0.1:7003"}}}. */
    public record StartJobBody(String type, Map<String, com.fasterxml.jackson.databind.JsonNode> params) {
    }

    /**
     * Starts a job: 201 with the job. With an {@code Idempotency-Key} header a retry of the same request
     * answers 200 with the job the first one started.
     */
    @RolesAllowed(Role.OPERATOR_NAME)
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(@PathParam("name") String cluster, @HeaderParam("Idempotency-Key") String idempotencyKey,
            StartJobBody body) {
        Requests.required(body, "{\"type\":\"add-replica\",\"params\":{...}}");
        JobService.Started started = jobs.start(cluster, body.type(), new JobParams(body.params()), idempotencyKey);
        return Response.status(started.created() ? 201 : 200).entity(started.view()).build();
    }

    @GET
    public List<Job> list(@PathParam("name") String cluster) {
        return jobs.list(cluster);
    }

}
