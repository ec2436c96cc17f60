package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;

/**
 * What the prober and the controller report as they work, for metrics (the service's
 * {@code /prometheus}). Called on their threads: implementations only count, never block.
 */
public interface ControllerObserver {
    ControllerObserver NONE = new ControllerObserver() {
    };

    /** One probe of {@code address} ended: answered ({@code ok}) or not, after {@code latencyNanos}. */
    default void probed(Address address, boolean ok, long latencyNanos) {
    }

    /** The controller recorded an event ({@code +sdown}, {@code +odown}, {@code -failover-abort-…}, …). */
    default void event(String cluster, String type) {
    }

    /**
     * A failover or switchover of a group ended: {@code outcome} is {@code done} or the abort's reason;
     * {@code detectionToEndNanos} from the detection (or the request) to its end, -1 when not measured.
     */
    default void failoverEnded(String cluster, boolean planned, String outcome, long detectionToEndNanos) {
    }
}
