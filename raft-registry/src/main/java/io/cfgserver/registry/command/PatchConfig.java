package io.cfgserver.registry.command;

import java.util.Map;

/**
 * Stores a new version of a cluster's desired config: the current one with {@code patch} applied
 * (merged here, in the state machine, so concurrent changes of different fields both take effect).
 * {@code canonical}: what a real Redis answered to {@code CONFIG GET} for each value the patch sets,
 * keyed {@code "<param> <value>"} (see {@code ConfigVersion}); every value set must have one.
 */
public record PatchConfig(String cluster, ConfigPatch patch, Map<String, String> canonical, long atMillis)
        implements Command {
}
