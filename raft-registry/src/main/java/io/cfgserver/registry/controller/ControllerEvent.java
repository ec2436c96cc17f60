package io.cfgserver.registry.controller;

/**
 * The events stop-loss records, one vocabulary (as Sentinel's): {@code +x} when something enters a
 * state, {@code -x} when it leaves it or when an attempt is given up. Events the registry records itself
 * as commands apply ({@code +failover-start}, {@code +promoted}, {@code +switch-master},
 * {@code +failover-end}, {@code ±ban}, {@code +demoted}, {@code ±maintenance}) are not in this list.
 */
public enum ControllerEvent {
    /** This peer sees the master down (silent for downAfter, or refusing connections). */
    SDOWN("+sdown"),
    /** ... and no longer. */
    SDOWN_END("-sdown"),
    /** Enough peers agree: the master is objectively down. */
    ODOWN("+odown"),
    /** Not enough peers agree: no failover. */
    ODOWN_NOT_CONFIRMED("-odown-not-confirmed"),
    /** A late tick or a new leadership: acting on nothing for a while. */
    TILT("+tilt"),
    TILT_END("-tilt"),
    /** A failover (or switchover) given up before its commit point; the wire name is followed by the outcome. */
    FAILOVER_ABORT("-failover-abort"),
    /** How long each step of a failover took, at its end. */
    FAILOVER_TIMINGS("+failover-timings"),
    /** A proxy's lease ran out: it serves on without the registry. */
    PROXY_UNMANAGED("+proxy-unmanaged"),
    /** ... under strict fencing: its nutcracker is stopped. */
    PROXY_FENCED("+proxy-fenced"),
    /** A replica about to be promoted refused the rolled-out config. */
    CONFIG_APPLY_FAILED("-config-apply-failed"),
    /** A maintenance window ended by its expiry (the registry records {@code -maintenance} itself when cleared). */
    MAINTENANCE_EXPIRED("-maintenance");

    private final String wire;

    ControllerEvent(String wire) {
        this.wire = wire;
    }

    /** The type as recorded, e.g. {@code +sdown}. */
    public String wire() {
        return wire;
    }

    /** {@code -failover-abort-<outcome>}. */
    public static String abort(FailoverOutcome outcome) {
        return FAILOVER_ABORT.wire + "-" + outcome.wire();
    }
}
