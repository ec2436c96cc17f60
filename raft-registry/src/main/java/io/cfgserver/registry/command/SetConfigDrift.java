package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.ConfigDrift;
import java.util.List;

/** The drift the controller sees on one instance now (empty: none); sent only when it changes. */
public record SetConfigDrift(String cluster, Address instance, List<ConfigDrift> drift, long atMillis)
        implements Command {
}
