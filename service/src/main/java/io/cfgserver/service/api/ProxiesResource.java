package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.command.AddProxy;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.RemoveProxy;
import io.cfgserver.registry.client.ProxyBarrier;
import io.cfgserver.registry.command.RenewLease;
import io.cfgserver.registry.command.SetProxyListen;
import io.cfgserver.registry.render.NutcrackerConfig;
import io.cfgserver.registry.render.ProxySettings;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.ProxyFencing;
import io.cfgserver.service.api.Requests.ProxyBody;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.List;

/** {@code /v1/clusters/{name}/proxies}: the twemproxies of a cluster. */
@RolesAllowed(Role.VIEWER_NAME)
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

    /**
     * A proxy with where it stands against the cluster's current version; {@code fencing} is what it
     * does once its lease ends (the cluster policy's {@code proxyFencing}, which the agent learns here).
     */
    public record ProxyView(Proxy proxy, ProxyBarrier.Standing standing, long versionsBehind, long leaseRemainingMillis,
            ProxyFencing fencing) {
        static ProxyView of(Cluster c, Proxy p, long now) {
            return new ProxyView(p, ProxyBarrier.standing(c, p, now), Math.max(0, c.version() - p.servedVersion()),
                    Math.max(0, p.leaseEndMillis() - now), c.policy().proxyFencing());
        }
    }

    /**
     * {@code POST .../lease}: the agent's renewal and ack; {@code unattendedMillis} (optional, as the
     * agent's setting) is how long its nutcracker serves on after this renewal should the agent die.
     */
    public record LeaseBody(Long servedVersion, Long leaseMillis, Long unattendedMillis) {
    }

    @GET
    public List<ProxyView> list(@PathParam("name") String name, @QueryParam("consistency") String consistency) {
        Cluster c = Reads.cluster(Reads.state(registry, consistency), name);
        long now = clock.millis();
        return c.proxies().stream().map(p -> ProxyView.of(c, p, now)).toList();
    }

    @RolesAllowed({Role.VIEWER_NAME, Role.PROXY_NAME})
    @GET
    @Path("/{id}/nutcracker.yml")
    @Produces(MediaType.TEXT_PLAIN)
    public String nutcrackerConfig(@PathParam("name") String name, @PathParam("id") String id,
            @QueryParam("timeoutMillis") Integer timeout, @QueryParam("serverRetryTimeoutMillis") Integer retry,
            @QueryParam("serverFailureLimit") Integer failureLimit,
            @QueryParam("serverConnections") Integer connections, @QueryParam("preconnect") Boolean preconnect,
            @QueryParam("backlog") Integer backlog) {
        Cluster c = Reads.cluster(Reads.state(registry, null), name);
        Proxy p = c.proxy(id).orElseThrow(() -> ApiError.notFound("proxy-[" + id + "] is not in " + c.logId()));
        ProxySettings d = ProxySettings.defaults();
        ProxySettings settings = new ProxySettings(or(timeout, d.timeoutMillis()), or(retry, d.serverRetryTimeoutMillis()),
                or(failureLimit, d.serverFailureLimit()), or(connections, d.serverConnections()),
                preconnect == null ? d.preconnect() : preconnect, or(backlog, d.backlog()));
        if (!settings.problems().isEmpty()) {
            throw ApiError.badRequest(String.join("; ", settings.problems()));
        }
        return NutcrackerConfig.render(c, p.listen(), settings);
    }

    private static int or(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    /**
     * The agent renews its lease and acks the version its nutcracker serves. The lease end is this
     * peer's clock plus {@code leaseMillis}, taken after the request arrived, so it is never
     * earlier than the end the agent assumes (it counts from before it sent the request).
     */
    @RolesAllowed({Role.PROXY_NAME, Role.ADMIN_NAME})
    @POST
    @Path("/{id}/lease")
    public ProxyView renew(@PathParam("name") String name, @PathParam("id") String id, LeaseBody body,
            @jakarta.ws.rs.core.Context jakarta.servlet.http.HttpServletResponse response) {
        Requests.required(body, "{\"servedVersion\":N,\"leaseMillis\":N}");
        if (body.servedVersion() == null || body.servedVersion() < 0) {
            throw ApiError.invalid("servedVersion must be >= 0 (0: serving nothing yet)");
        }
        if (body.leaseMillis() == null || body.leaseMillis() < 100 || body.leaseMillis() > 600_000) {
            throw ApiError.invalid("leaseMillis must be between 100 and 600000");
        }
        Long unattended = body.unattendedMillis();
        if (unattended != null && (unattended < body.leaseMillis() || unattended > 3_600_000)) {
            throw ApiError.invalid("unattendedMillis must be between leaseMillis (" + body.leaseMillis() + ") and 3600000");
        }
        long now = clock.millis();
        // the ack counts for ProxyBarrier on this peer as soon as it arrives (see ProxyBarrier.await)
        registry.readLocal().cluster(name).filter(c -> c.proxy(id).isPresent() && body.servedVersion() <= c.version())
                .ifPresent(c -> registry.noteAck(name, c.createdMillis(), id, body.servedVersion()));
        registry.submit(unattended == null ? new RenewLease(name, id, body.servedVersion(), now + body.leaseMillis(), now)
                : new RenewLease(name, id, body.servedVersion(), now + body.leaseMillis(), now, now + unattended,
                        Proxy.evidenceVouchMillis(body.leaseMillis(), unattended)));
        Cluster c = Reads.cluster(registry.readLocal(), name);
        Proxy p = c.proxy(id).orElseThrow(() -> ApiError.notFound("proxy-[" + id + "] is not in " + c.logId()));
        if (response != null) {
            // the agent prefers the leader: it applies every commit first (docs/agent.md)
            response.setHeader("X-Registry-Leader", Boolean.toString(registry.leading()));
        }
        return ProxyView.of(c, p, clock.millis());
    }

    /**
     * Waits until every proxy serves {@code version} or has let its lease run out; 504 naming the
     * laggards otherwise.
     */
    @GET
    @Path("/await")
    public List<ProxyView> await(@PathParam("name") String name, @QueryParam("version") Long version,
            @QueryParam("timeoutMs") Long timeoutMs) {
        if (version == null || version < 1) {
            throw ApiError.badRequest("version is missing: ?version=N&timeoutMs=N");
        }
        Reads.cluster(registry.read(), name);
        try {
            ProxyBarrier.await(registry, name, version, Reads.waitDuration(timeoutMs), clock);
        } catch (ProxyBarrier.ProxiesLagException e) {
            throw ApiError.fail(504, "proxies-lag", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.fail(503, "interrupted", "interrupted while waiting for proxies");
        }
        return list(name, null);
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @POST
    public Response add(@PathParam("name") String name, ProxyBody body) {
        Requests.required(body, "{\"id\",\"listen\":\"host:port\"}");
        CommandResult r = registry.submit(new AddProxy(name, Requests.proxy(body, "proxy"), clock.millis()));
        Proxy p = Reads.cluster(registry.readLocal(), name).proxy(body.id()).orElseThrow();
        return Response.status(201).entity(p).header("X-Topology-Version", r.version()).build();
    }

    /** {@code PUT .../proxies/{id}} with {@code {"listen":"host:port"}}: moves the proxy. */
    @RolesAllowed(Role.ADMIN_NAME)
    @PUT
    @Path("/{id}")
    public Proxy move(@PathParam("name") String name, @PathParam("id") String id, ProxyBody body) {
        Requests.required(body, "{\"listen\":\"host:port\"}");
        if (body.id() != null && !body.id().equals(id)) {
            throw ApiError.invalid("id in the body (" + body.id() + ") differs from the path (" + id + "): ids cannot change");
        }
        registry.submit(new SetProxyListen(name, id, Requests.address(body.listen(), "listen"), clock.millis()));
        return Reads.cluster(registry.readLocal(), name).proxy(id).orElseThrow();
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @DELETE
    @Path("/{id}")
    public Response remove(@PathParam("name") String name, @PathParam("id") String id) {
        registry.submit(new RemoveProxy(name, id, clock.millis()));
        return Response.noContent().build();
    }
}
