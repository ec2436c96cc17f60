package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.controller.ProbeResult;
import io.cfgserver.registry.controller.Prober;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.service.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * {@code GET /v1/clusters/{name}/instances}: every instance of a cluster as the registry has it and
 * as this peer's prober last saw it (up, the role Redis reports, replication offset and lag, the
 * age of the last probe). Each peer probes on its own, so two peers may answer a little differently;
 * the registry leader's view is the one the controller acts on ({@code GET /v1/registry} names it).
 */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/clusters/{name}/instances")
@Produces(MediaType.APPLICATION_JSON)
public class InstancesResource {
    private final RegistryClient registry;
    private final Prober prober;
    private final LongSupplier nanos;

    /** {@code prober} is null when this peer runs without a controller: the probe fields are then null. */
    public InstancesResource(RegistryClient registry, Prober prober, LongSupplier nanos) {
        this.registry = registry;
        this.prober = prober;
        this.nanos = nanos;
    }

    /**
     * One instance. {@code up}: the last probe got a valid reply; {@code probedRole}: what the instance
     * itself says ({@code master}, {@code slave}); {@code lagBytes}: the master's offset minus this
     * replica's, both as last probed (null for the master or when either is unknown);
     * {@code lastProbeAgoMillis} / {@code silentMillis}: since the last probe / the last valid reply;
     * {@code usedMemoryBytes}, {@code maxMemoryBytes}, {@code connectedClients}: from INFO memory and
     * clients, read every few seconds (null until read); {@code failure}: the kind of the last probe's
     * failure ({@code REFUSED}: the process is gone, its host answers; {@code TIMEOUT}; {@code ERROR_REPLY}:
     * it lives but answers an error; {@code OTHER}), null while it answers.
     */
    public record InstanceView(String group, String address, String role, boolean banned, boolean stale,
            Boolean up, String probedRole, String probedMasterOf, Boolean linkUp, Long offset, Long lagBytes,
            Long lastProbeAgoMillis, Long silentMillis, String error, Long usedMemoryBytes, Long maxMemoryBytes,
            Long connectedClients, String failure) {
    }

    @GET
    public List<InstanceView> list(@PathParam("name") String name, @QueryParam("consistency") String consistency) {
        Cluster c = Reads.cluster(Reads.state(registry, consistency), name);
        long now = nanos.getAsLong();
        List<InstanceView> out = new ArrayList<>();
        for (Group g : c.groups()) {
            Optional<Prober.View> master = view(g.master());
            Long masterOffset = master.map(Prober.View::last).filter(r -> r != null && r.ok() && r.offset() >= 0)
                    .map(ProbeResult::offset).orElse(null);
            out.add(of(g, g.master(), "master", master, null, now));
            for (Instance r : g.replicas()) {
                out.add(of(g, r, "replica", view(r), masterOffset, now));
            }
        }
        return out;
    }

    private Optional<Prober.View> view(Instance i) {
        return prober == null ? Optional.empty() : prober.view(i.address());
    }

    private static InstanceView of(Group g, Instance i, String role, Optional<Prober.View> view, Long masterOffset,
            long now) {
        if (view.isEmpty()) {
            return new InstanceView(g.id(), i.address().toString(), role, i.banned(), i.stale(), null, null, null, null,
                    null, null, null, null, null, null, null, null, null);
        }
        Prober.View v = view.get();
        ProbeResult last = v.last();
        boolean up = last != null && last.ok();
        Long offset = up && last.offset() >= 0 ? last.offset() : null;
        Long lag = masterOffset != null && offset != null ? Math.max(0, masterOffset - offset) : null;
        return new InstanceView(g.id(), i.address().toString(), role, i.banned(), i.stale(), up,
                up ? last.role().wire() : null, up && last.masterOf() != null ? last.masterOf().toString() : null,
                up && last.role() != io.cfgserver.registry.controller.ProbeRole.MASTER ? last.linkUp() : null, offset, lag,
                last == null ? null : (now - last.atNanos()) / 1_000_000L, v.silentNanos(now) / 1_000_000L,
                up || last == null ? null : last.error(), known(up, v.usage(), Prober.Usage::usedMemoryBytes),
                known(up, v.usage(), Prober.Usage::maxMemoryBytes), known(up, v.usage(), Prober.Usage::connectedClients),
                up || last == null || last.failure() == null ? null : last.failure().name());
    }

    /** A usage figure while the instance answers (a dead one's last figures would mislead). */
    private static Long known(boolean up, Prober.Usage u, java.util.function.ToLongFunction<Prober.Usage> field) {
        return !up || u == null || field.applyAsLong(u) < 0 ? null : field.applyAsLong(u);
    }
}
