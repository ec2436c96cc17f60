package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;
import java.util.Optional;

/**
 * What the controller knows of instances: the prober's views. {@link Prober} on a real peer; a table in
 * the controller's unit tests.
 */
public interface Probes {
    /** The view of an instance, or empty if it is not (yet) probed. */
    Optional<Prober.View> view(Address address);

    /** Subjectively down: no valid reply for longer than {@code downAfterMillis} (unknown instances are not down). */
    boolean sdown(Address address, long downAfterMillis);

    /**
     * Down by refusal: no valid reply for longer than {@code refusedAfterMillis}, and every failed probe since
     * the last valid reply was a refused (or reset) connection, not a timeout: the host lives, the process is
     * gone (docs/failover.md, "Crash-aware detection"). False for unknown instances.
     */
    boolean refusedDown(Address address, long refusedAfterMillis);
}
