package io.cfgserver.service.api;

import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.client.RegistryInfo.PeerInfo;
import java.util.List;

/** Membership of the registry's Raft group, as the API needs it. */
public interface RegistryAdmin {
    RegistryInfo info();

    /** Replaces the group's membership (a Raft configuration change); blocks until committed. */
    void setPeers(List<PeerInfo> peers);
}
