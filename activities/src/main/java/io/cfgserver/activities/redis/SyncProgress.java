package io.cfgserver.activities.redis;

/**
 * How far a replica is behind its master: the heartbeat details of
 * {@link RedisActivities#awaitReplicaSynced}. Visible in the Temporal UI on the pending activity.
 *
 * @param lagBytes master offset minus replica offset (meaningful once the link is up)
 */
public record SyncProgress(String replica, String master, boolean linkUp, boolean syncInProgress,
        long masterOffset, long replicaOffset, long lagBytes) {

    public String describe() {
        if (!linkUp) {
            return "instance-[" + replica + "] link to instance-[" + master + "] is down"
                    + (syncInProgress ? " (full sync in progress)" : "");
        }
        return "instance-[" + replica + "] is " + lagBytes + " bytes behind instance-[" + master + "]";
    }
}
