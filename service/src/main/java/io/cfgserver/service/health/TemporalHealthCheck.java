package io.cfgserver.service.health;

import com.codahale.metrics.health.HealthCheck;
import io.cfgserver.service.temporal.TemporalConnector;

/**
 * Says whether the Temporal service answers, without failing {@code /healthcheck} when it does not:
 * the peer then runs as designed (the registry, the API and failover work; only jobs are refused),
 * so a load balancer or supervisor must not take it out or restart it. The check stays healthy and
 * carries the reason ({@code "DEGRADED: ..."}, detail {@code temporalReachable: false});
 * {@code cfgserver_temporal_reachable} on {@code /prometheus} is what to alert on.
 *
 * <p>Why not Dropwizard's {@code health:} section with {@code critical: false}: that governs the
 * health module's own endpoint; the admin {@code /healthcheck} servlet runs every registered check
 * and answers 500 when any is unhealthy, whatever that section says.
 */
public final class TemporalHealthCheck extends HealthCheck {
    private final TemporalConnector temporal;

    public TemporalHealthCheck(TemporalConnector temporal) {
        this.temporal = temporal;
    }

    @Override
    protected Result check() {
        if (temporal.reachable()) {
            return Result.builder().healthy().withMessage("Temporal at " + temporal.target()
                    + " is reachable; worker running").withDetail("temporalReachable", true).build();
        }
        return Result.builder().healthy().withMessage("DEGRADED: Temporal at " + temporal.target()
                + " is not reachable: " + temporal.lastError() + " (jobs are refused; the registry and failover keep"
                + " working)").withDetail("temporalReachable", false).build();
    }
}
