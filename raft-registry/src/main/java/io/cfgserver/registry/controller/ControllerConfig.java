package io.cfgserver.registry.controller;

import java.time.Duration;

/**
 * Timings of the controller; per-cluster thresholds (downAfter, lag, bans) come from the policy.
 *
 * @param probePeriod       how often every instance is probed (PING + INFO replication)
 * @param probeTimeout      connect and read timeout of one probe
 * @param tiltGap           a tick gap longer than this (GC, a paused process) puts the controller in TILT
 * @param tiltDuration      how long it then acts on nothing, until its probes are fresh again
 * @param odownTimeout      how long the leader waits for the other peers' opinion of a master
 * @param promoteTimeout    how long promoting may take before the failover is aborted
 * @param proxyWait         how long the end of a failover waits for proxies to serve the new map
 * @param switchoverTimeout the TIMEOUT given to Redis' FAILOVER TO (writes are paused meanwhile)
 * @param driftPeriod       how long one round of config drift checks takes: each instance is read once per
 *                          round, the reads spread over it (docs/config.md)
 */
public record ControllerConfig(Duration probePeriod, Duration probeTimeout, Duration tiltGap, Duration tiltDuration,
        Duration odownTimeout, Duration promoteTimeout, Duration proxyWait, Duration switchoverTimeout,
        Duration driftPeriod) {

    public static final Duration DEFAULT_DRIFT_PERIOD = Duration.ofSeconds(30);

    public ControllerConfig(Duration probePeriod, Duration probeTimeout, Duration tiltGap, Duration tiltDuration,
            Duration odownTimeout, Duration promoteTimeout, Duration proxyWait, Duration switchoverTimeout) {
        this(probePeriod, probeTimeout, tiltGap, tiltDuration, odownTimeout, promoteTimeout, proxyWait, switchoverTimeout,
                DEFAULT_DRIFT_PERIOD);
    }

    public static ControllerConfig defaults() {
        return new ControllerConfig(Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofMillis(2000),
                Duration.ofMillis(2000), Duration.ofMillis(300), Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(5), DEFAULT_DRIFT_PERIOD);
    }
}
