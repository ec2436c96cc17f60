package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.client.RegistryInfo.PeerInfo;
import io.cfgserver.registry.topology.Address;
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
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /v1/registry}: this peer's view of the Raft group, and membership changes. A new peer is
 * started first (its config lists the new membership), then added here; a removed peer can then be
 * stopped.
 */
@RolesAllowed(Role.VIEWER_NAME)
@Path("/v1/registry")
@Produces(MediaType.APPLICATION_JSON)
public class RegistryResource {
    private final RegistryAdmin admin;

    public RegistryResource(RegistryAdmin admin) {
        this.admin = admin;
    }

    @GET
    public RegistryInfo info() {
        return admin.info();
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @POST
    @Path("/peers")
    @Consumes(MediaType.APPLICATION_JSON)
    public RegistryInfo addPeer(PeerInfo peer) {
        Requests.required(peer, "{\"id\":\"p4\",\"address\":\"host:port\"}");
        if (peer.id() == null || !peer.id().matches("[A-Za-z0-9][A-Za-z0-9_-]{0,31}")) {
            throw ApiError.invalid("id must be 1-32 letters, digits, '_' or '-', got '" + peer.id() + "'");
        }
        Address address = Requests.address(peer.address(), "address");
        List<PeerInfo> peers = new ArrayList<>(admin.info().peers());
        for (PeerInfo p : peers) {
            if (p.id().equals(peer.id())) {
                throw ApiError.fail(409, "conflict", "peer " + peer.id() + " is already a member");
            }
            if (Address.parse(p.address()).equals(address)) {
                throw ApiError.fail(409, "conflict", "address " + address + " is already used by peer " + p.id());
            }
        }
        if (peers.size() >= 7) {
            throw ApiError.fail(409, "conflict", "the registry has 7 peers already; 3 or 5 are recommended");
        }
        peers.add(new PeerInfo(peer.id(), address.toString()));
        admin.setPeers(peers);
        return admin.info();
    }

    @RolesAllowed(Role.ADMIN_NAME)
    @DELETE
    @Path("/peers/{id}")
    public RegistryInfo removePeer(@PathParam("id") String id) {
        List<PeerInfo> peers = new ArrayList<>(admin.info().peers());
        if (!peers.removeIf(p -> p.id().equals(id))) {
            throw ApiError.notFound("peer " + id + " is not a member: GET /v1/registry lists the peers");
        }
        if (peers.isEmpty()) {
            throw ApiError.fail(409, "conflict", "cannot remove the last peer");
        }
        admin.setPeers(peers);
        return admin.info();
    }
}
