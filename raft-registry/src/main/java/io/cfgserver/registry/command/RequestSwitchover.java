package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;

/**
 * An operator asks for a planned switchover of a group, to {@code target} or (null) to the best
 * replica. The registry leader's controller carries it out (Redis' FAILOVER TO, then registry and
 * proxies), so it works whichever peer received the request.
 */
public record RequestSwitchover(String cluster, String group, Address target, long atMillis) implements Command {
}
