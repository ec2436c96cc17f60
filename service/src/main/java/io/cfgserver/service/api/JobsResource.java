package io.cfgserver.service.api;

import io.cfgserver.registry.topology.Job;
import io.cfgserver.service.jobs.JobService;
import io.cfgserver.service.jobs.JobService.JobView;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/** Jobs: {@code /v1/clusters/{name}/jobs} to start and list, {@code /v1/jobs/{id}} to track and control. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {
    private final JobService jobs;

    public JobsResource(JobService jobs) {
        this.jobs = jobs;
    }

    /** {@code {"type":"add-replica","params":{"group":"g1","address":"127.0.0.1:7003"}}}. */
    public record StartJobBody(String type, Map<String, String> params) {
    }

    @POST
    @Path("/clusters/{name}/jobs")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response start(@PathParam("name") String cluster, StartJobBody body) {
        Requests.required(body, "{\"type\":\"add-replica\",\"params\":{...}}");
        return Response.status(201).entity(jobs.start(cluster, body.type(), body.params())).build();
    }

    @GET
    @Path("/clusters/{name}/jobs")
    public List<Job> list(@PathParam("name") String cluster) {
        return jobs.list(cluster);
    }

    @GET
    @Path("/jobs/{id}")
    public JobView show(@PathParam("id") String id) {
        return jobs.show(id);
    }

    @POST
    @Path("/jobs/{id}/cancel")
    public JobView cancel(@PathParam("id") String id) {
        return jobs.cancel(id);
    }

    @POST
    @Path("/jobs/{id}/pause")
    public JobView pause(@PathParam("id") String id) {
        return jobs.pause(id);
    }

    @POST
    @Path("/jobs/{id}/resume")
    public JobView resume(@PathParam("id") String id) {
        return jobs.resume(id);
    }
}
