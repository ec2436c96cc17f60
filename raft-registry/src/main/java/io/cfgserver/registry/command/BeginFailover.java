package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;

/**
 * Commits the intent of a failover: group, new epoch, chosen replica. For a requested switchover
 * it moves the request on to promoting. Nothing in Redis has changed yet; abortable.
 */
public record BeginFailover(String cluster, String group, long epoch, Address candidate, String reason, long atMillis)
        implements Command {
}
