package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.AddProxy;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.RemoveProxy;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.service.api.Requests.ProxyBody;
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

/** {@code /v1/clusters/{name}/proxies}: the twemproxies of a cluster. */
@Path("/v1/clusters/{name}/proxies")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProxiesResource {
    private final RegistryClient registry;
    private final Clock clock;

    public ProxiesResource(RegistryClient registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @GET
    public List<Proxy> list(@PathParam("name") String name, @QueryParam("consistency") String consistency) {
        return Reads.cluster(Reads.state(registry, consistency), name).proxies();
    }

    @POST
    public Response add(@PathParam("name") String name, ProxyBody body) {
        Requests.required(body, "{\"id\",\"listen\":\"host:port\"}");
        CommandResult r = registry.submit(new AddProxy(name, Requests.proxy(body, "proxy"), clock.millis()));
        Proxy p = Reads.cluster(registry.readLocal(), name).proxy(body.id()).orElseThrow();
        return Response.status(201).entity(p).header("X-Topology-Version", r.version()).build();
    }

    @DELETE
    @Path("/{id}")
    public Response remove(@PathParam("name") String name, @PathParam("id") String id) {
        registry.submit(new RemoveProxy(name, id, clock.millis()));
        return Response.noContent().build();
    }
}
