package io.cfgserver.registry.command;

/**
 * A proxy agent renews its lease and acks the topology version its nutcracker now serves
 * ({@code servedVersion} 0: serves nothing yet). {@code leaseEndMillis} is computed by the
 * registry peer that accepted the request (its clock, plus the agent's lease length), so it is
 * never earlier than the end the agent itself assumes. Does not change the topology version.
 */
public record RenewLease(String cluster, String proxy, long servedVersion, long leaseEndMillis, long atMillis)
        implements Command {
}
