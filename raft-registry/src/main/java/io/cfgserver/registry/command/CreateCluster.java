package io.cfgserver.registry.command;

import java.util.List;

/** Creates a cluster; its 1024 slots are spread over the groups in contiguous, near-equal ranges. */
public record CreateCluster(String cluster, List<GroupSpec> groups, List<ProxySpec> proxies, long atMillis)
        implements Command {
    public CreateCluster {
        groups = groups == null ? List.of() : List.copyOf(groups);
        proxies = proxies == null ? List.of() : List.copyOf(proxies);
    }
}
