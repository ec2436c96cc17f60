package io.cfgserver.activities.registry;

/**
 * A slot move as the registry recorded it ({@code BeginMigration}), with what the data half needs.
 *
 * @param captureFrom  a replica of the source (not banned, not stale) when there is one, else its master
 * @param version      the cluster's version when the move was (re)begun
 * @param pendingStamp the source's fencing stamp after the commit (version + 1, without the range)
 */
public record MovePlan(String source, String target, long sourceEpoch, long targetEpoch, String sourceMaster,
        String captureFrom, String targetMaster, long version, String pendingStamp, int minReplicasToWrite,
        int minReplicasMaxLag) {
}
