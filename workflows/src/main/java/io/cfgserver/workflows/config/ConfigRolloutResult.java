package io.cfgserver.workflows.config;

import io.cfgserver.activities.config.InstanceApplied;
import java.util.List;

/** What a finished rollout did: every instance's outcome, and every proxy given new settings. */
public record ConfigRolloutResult(String jobId, String cluster, long version, List<InstanceApplied> instances,
        List<String> proxies) {
}
