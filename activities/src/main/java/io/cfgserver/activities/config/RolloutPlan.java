package io.cfgserver.activities.config;

import java.util.List;

/**
 * What a config rollout does, resolved against the registry when it starts.
 *
 * @param version  the config version rolled out
 * @param groups   the groups in order (the canary first when one was named)
 * @param proxies  the proxies whose nutcracker settings change, in order (each restarts once)
 * @param redis    whether the version sets any Redis parameter (else the groups are only checked)
 */
public record RolloutPlan(long version, List<String> groups, List<String> proxies, boolean redis) {
}
