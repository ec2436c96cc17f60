package io.cfgserver.service.health;

import com.codahale.metrics.health.HealthCheck;
import io.cfgserver.service.temporal.TemporalConnector;

/** Healthy when the Temporal service answers; unhealthy says why (jobs are refused meanwhile). */
public final class TemporalHealthCheck extends HealthCheck {
    private final TemporalConnector temporal;

    public TemporalHealthCheck(TemporalConnector temporal) {
        this.temporal = temporal;
    }

    @Override
    protected Result check() {
        if (temporal.reachable()) {
            return Result.healthy("Temporal at " + temporal.target() + " is reachable; worker running");
        }
        return Result.unhealthy("Temporal at " + temporal.target() + " is not reachable: " + temporal.lastError()
                + " (jobs are refused; the registry and failover keep working)");
    }
}
