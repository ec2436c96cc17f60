package io.cfgserver.registry.command;

/**
 * A proxy agent renews its lease and acks the topology version its nutcracker now serves
 * ({@code servedVersion} 0: serves nothing yet). {@code leaseEndMillis} is computed by the
 * registry peer that accepted the request (its clock, plus the agent's lease length), so it is
 * never earlier than the end the agent itself assumes. {@code unattendedEndMillis} (the same peer's
 * clock plus the agent's {@code unattendedMillis}) and {@code evidenceVouchMillis} bound how long its
 * nutcracker may serve should the agent die (0: the agent did not say; see
 * {@link io.cfgserver.registry.topology.Proxy#mayServeOldMapUntil}). Does not change the topology version.
 */
public record RenewLease(String cluster, String proxy, long servedVersion, long leaseEndMillis, long atMillis,
        long unattendedEndMillis, long evidenceVouchMillis) implements Command {

    @com.fasterxml.jackson.annotation.JsonCreator
    public RenewLease {
    }

    public RenewLease(String cluster, String proxy, long servedVersion, long leaseEndMillis, long atMillis) {
        this(cluster, proxy, servedVersion, leaseEndMillis, atMillis, 0, 0);
    }
}
