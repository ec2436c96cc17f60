package io.cfgserver.registry.command;

/**
 * The commit point of a failover: the candidate is the group's master at the new epoch (the
 * topology version bumps; agents switch their proxies). The old master stays as a stale, banned
 * replica until it has been demoted.
 */
public record PromoteReplica(String cluster, String group, long epoch, long atMillis) implements Command {
}
