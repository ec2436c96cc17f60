package io.cfgserver.service.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cfgserver.registry.controller.ControllerConfig;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.NotNull;

/** The {@code controller:} section: stop-loss timings (thresholds per cluster are in its policy). */
public class ControllerSection {
    @JsonProperty
    public boolean enabled = true;

    @NotNull
    @JsonProperty
    public Duration probePeriod = Duration.milliseconds(100);

    @NotNull
    @JsonProperty
    public Duration probeTimeout = Duration.milliseconds(300);

    @NotNull
    @JsonProperty
    public Duration tiltGap = Duration.milliseconds(2000);

    @NotNull
    @JsonProperty
    public Duration tiltDuration = Duration.milliseconds(2000);

    @NotNull
    @JsonProperty
    public Duration odownTimeout = Duration.milliseconds(300);

    @NotNull
    @JsonProperty
    public Duration promoteTimeout = Duration.seconds(5);

    @NotNull
    @JsonProperty
    public Duration proxyWait = Duration.seconds(10);

    @NotNull
    @JsonProperty
    public Duration switchoverTimeout = Duration.seconds(5);

    /** One round of config drift checks: every instance of a cluster with a rolled-out config is read once per round. */
    @NotNull
    @io.dropwizard.validation.MinDuration(value = 500, unit = java.util.concurrent.TimeUnit.MILLISECONDS)
    @io.dropwizard.validation.MaxDuration(value = 1, unit = java.util.concurrent.TimeUnit.HOURS)
    @JsonProperty
    public Duration driftPeriod = Duration.seconds(30);

    public ControllerConfig toConfig() {
        return new ControllerConfig(probePeriod.toJavaDuration(), probeTimeout.toJavaDuration(), tiltGap.toJavaDuration(),
                tiltDuration.toJavaDuration(), odownTimeout.toJavaDuration(), promoteTimeout.toJavaDuration(),
                proxyWait.toJavaDuration(), switchoverTimeout.toJavaDuration(), driftPeriod.toJavaDuration());
    }
}
