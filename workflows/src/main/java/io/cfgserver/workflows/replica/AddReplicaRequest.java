package io.cfgserver.workflows.replica;

/**
 * What an add-replica job needs.
 *
 * @param jobId       the registry job id (also the workflow id); null for the workflow id. The workflow enters
 *                    the job in the registry first ({@code BeginJob}, idempotent)
 * @param replica     the new replica, {@code host:port}: an empty redis-server (or one already
 *                    replicating the group's master)
 * @param maxLagBytes how far behind the master the replica may be when it counts as caught up
 * @param priority    promotion priority to register, null for the default (0 = never promote)
 * @param region      region to register, null when regions are not used
 * @param parentJob   the scale job this one is a step of (it holds the cluster's lock), null for a job of its own
 */
public record AddReplicaRequest(String jobId, String cluster, String group, String replica, long maxLagBytes,
        Integer priority, String region, String parentJob) {

    /** Default {@link #maxLagBytes}: 64 KiB, a few milliseconds of writes on a busy master. */
    public static final long DEFAULT_MAX_LAG_BYTES = 64 * 1024;
    /** Largest accepted {@link #maxLagBytes}: 1 GiB. */
    public static final long MAX_LAG_BYTES_LIMIT = 1024L * 1024 * 1024;

    /** A request with the default lag, priority and region. */
    public static AddReplicaRequest of(String jobId, String cluster, String group, String replica) {
        return new AddReplicaRequest(jobId, cluster, group, replica, DEFAULT_MAX_LAG_BYTES, null, null, null);
    }

    /** This request with {@code id} as its job id (a workflow started without one uses its workflow id). */
    public AddReplicaRequest withJobId(String id) {
        return new AddReplicaRequest(id, cluster, group, replica, maxLagBytes, priority, region, parentJob);
    }

    /** What is wrong with this request, or null when nothing is. Checked by the service before it starts a job, and by the workflow. */
    public String problem() {
        if (blank(cluster) || blank(group) || blank(replica)) {
            return "cluster, group and replica are all required, e.g. {\"cluster\":\"demo\",\"group\":\"g1\","
                    + "\"replica\":\"127.0.0.1:7003\"}";
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
