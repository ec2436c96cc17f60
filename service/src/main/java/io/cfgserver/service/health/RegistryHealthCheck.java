package io.cfgserver.service.health;

import com.codahale.metrics.health.HealthCheck;
import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.client.RegistryInfo;

/** Healthy when this peer knows a leader of the registry. */
public final class RegistryHealthCheck extends HealthCheck {
    private final RegistryClient registry;

    public RegistryHealthCheck(RegistryClient registry) {
        this.registry = registry;
    }

    @Override
    protected Result check() {
        RegistryInfo info = registry.info();
        if (info.leaderId() == null || info.leaderId().isEmpty()) {
            return Result.unhealthy("peer " + info.peerId() + " knows no leader (term " + info.term()
                    + "): is a majority of " + info.peers().size() + " peers up?");
        }
        return Result.healthy("peer " + info.peerId() + " is " + info.role() + ", leader " + info.leaderId()
                + ", applied index " + info.appliedIndex());
    }
}
