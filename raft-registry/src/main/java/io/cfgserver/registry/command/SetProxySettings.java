package io.cfgserver.registry.command;

/**
 * Gives one proxy the nutcracker settings of config version {@code configVersion}: its agent renders
 * them on the next topology version (this command bumps it when they change), restarting nutcracker.
 * A rollout sends one proxy at a time.
 */
public record SetProxySettings(String cluster, String proxy, long configVersion, long atMillis) implements Command {
}
