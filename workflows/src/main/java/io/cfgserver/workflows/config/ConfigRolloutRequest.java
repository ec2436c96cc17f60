package io.cfgserver.workflows.config;

/**
 * A config rollout.
 *
 * @param jobId    the registry job id (null: derived from the workflow id)
 * @param version  the config version (0: the newest when the job plans)
 * @param canary   a group done first, after which the job waits for a resume (null: none)
 * @param parallel how many groups at a time (1-16)
 */
public record ConfigRolloutRequest(String jobId, String cluster, long version, String canary, int parallel) {
    public static final int MAX_PARALLEL = 16;

    public ConfigRolloutRequest withJobId(String id) {
        return new ConfigRolloutRequest(id, cluster, version, canary, parallel);
    }

    /** What is wrong with the request, null when nothing. */
    public String problem() {
        if (cluster == null || cluster.isBlank()) {
            return "cluster is missing";
        }
        if (version < 0) {
            return "version must be >= 1 (or 0 / left out for the newest), got " + version;
        }
        if (parallel < 1 || parallel > MAX_PARALLEL) {
            return "parallel must be between 1 and " + MAX_PARALLEL + ", got " + parallel;
        }
        return null;
    }
}
