package io.cfgserver.workflows.replica;

/**
 * What an add-replica job needs.
 *
 * @param jobId       the registry job id (also the workflow id); the job must have been begun
 *                    ({@code BeginJob}) in the registry
 * @param replica     the new replica, {@code host:port}: an empty redis-server (or one already
 *                    replicating the group's master)
 * @param maxLagBytes how far behind the master the replica may be when it counts as caught up
 * @param priority    promotion priority to register, null for the default (0 = never promote)
 * @param region      region to register, null when regions are not used
 */
public record AddReplicaRequest(String jobId, String cluster, String group, String replica, long maxLagBytes,
        Integer priority, String region) {

    /** Default {@link #maxLagBytes}: 64 KiB, a few milliseconds of writes on a busy master. */
    public static final long DEFAULT_MAX_LAG_BYTES = 64 * 1024;
    /** Largest accepted {@link #maxLagBytes}: 1 GiB. */
    public static final long MAX_LAG_BYTES_LIMIT = 1024L * 1024 * 1024;

    /** A request with the default lag, priority and region. */
    public static AddReplicaRequest of(String jobId, String cluster, String group, String replica) {
        return new AddReplicaRequest(jobId, cluster, group, replica, DEFAULT_MAX_LAG_BYTES, null, null);
    }

    /** What is wrong with this request, or null when nothing is. Checked by the service before it starts a job, and by the workflow. */
    public String problem() {
        if (blank(jobId) || blank(cluster) || blank(group) || blank(replica)) {
            return "jobId, cluster, group and replica are all required";
        }
        if (!replica.matches("[^:\\s]+:\\d{1,5}")) {
            return "replica '" + replica + "' is not host:port, e.g. 10.0.0.7:6379";
        }
        if (maxLagBytes < 0 || maxLagBytes > MAX_LAG_BYTES_LIMIT) {
            return "maxLagBytes must be between 0 and " + MAX_LAG_BYTES_LIMIT + ", got " + maxLagBytes;
        }
        if (priority != null && priority < 0) {
            return "priority must be >= 0 (0 = never promote), got " + priority;
        }
        return null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
