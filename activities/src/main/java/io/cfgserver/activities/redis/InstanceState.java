package io.cfgserver.activities.redis;

import java.util.HashMap;
import java.util.Map;

/**
 * What one redis-server says about its replication ({@code INFO replication}) and its size.
 *
 * @param address           the instance, {@code host:port}
 * @param role              master or replica
 * @param masterHost        the master it follows as configured by {@code REPLICAOF}; null for a master
 * @param masterPort        the master's port; 0 for a master
 * @param masterLinkUp      {@code master_link_status:up} (always false for a master)
 * @param syncInProgress    a full resynchronisation is running ({@code master_sync_in_progress:1})
 * @param replicationId     {@code master_replid}: the replication history the offset belongs to
 * @param replicationOffset a master's {@code master_repl_offset}; a replica's {@code slave_repl_offset}
 * @param connectedReplicas replicas attached to this instance
 * @param dbSize            keys in the selected database ({@code DBSIZE})
 */
public record InstanceState(
        String address,
        Role role,
        String masterHost,
        int masterPort,
        boolean masterLinkUp,
        boolean syncInProgress,
        String replicationId,
        long replicationOffset,
        int connectedReplicas,
        long dbSize) {

    /** The role an instance reports ({@code role:master} or {@code role:slave}). */
    public enum Role {
        MASTER,
        REPLICA
    }

    /** Whether this instance is configured to replicate {@code master} ({@code host:port}), linked or not. */
    public boolean replicates(String master) {
        return role == Role.REPLICA && master != null && master.equals(masterHost + ":" + masterPort);
    }

    /** The master this replica follows, {@code host:port}, or {@code "none"} for a master. */
    public String masterAddress() {
        return role == Role.REPLICA ? masterHost + ":" + masterPort : "none";
    }

    /**
     * Builds the state from the text of {@code INFO replication}.
     *
     * @throws IllegalArgumentException when the text has no {@code role} line
     */
    public static InstanceState parse(String address, String infoReplication, long dbSize) {
        Map<String, String> f = fields(infoReplication);
        String role = f.get("role");
        if (role == null) {
            throw new IllegalArgumentException("INFO replication of instance-[" + address + "] has no role line");
        }
        if (role.equals("master")) {
            return new InstanceState(address, Role.MASTER, null, 0, false, false, f.get("master_replid"),
                    number(f, "master_repl_offset"), (int) number(f, "connected_slaves"), dbSize);
        }
        return new InstanceState(address, Role.REPLICA, f.get("master_host"), (int) number(f, "master_port"),
                "up".equals(f.get("master_link_status")), "1".equals(f.get("master_sync_in_progress")),
                f.get("master_replid"), number(f, "slave_repl_offset"), (int) number(f, "connected_slaves"), dbSize);
    }

    private static Map<String, String> fields(String info) {
        Map<String, String> out = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                out.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return out;
    }

    private static long number(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
