package io.cfgserver.registry.fencing;

import io.cfgserver.registry.topology.Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of {@code INFO replication} the evidence needs: the role, on a replica its master, on a
 * master the replicas attached to it with their state and lag (seconds since their last
 * {@code REPLCONF ACK}; replicas send one every second).
 */
public record ReplicationInfo(String role, Address masterOf, List<Attached> attached) {
    /** One {@code slaveN:ip=..,port=..,state=..,offset=..,lag=..} line of a master. */
    public record Attached(String ip, int port, String state, long lagSeconds) {
        public boolean is(Address a) {
            return port == a.port() && ip.equals(a.host());
        }
    }

    public ReplicationInfo {
        attached = attached == null ? List.of() : List.copyOf(attached);
    }

    public boolean isMaster() {
        return "master".equals(role);
    }

    public Optional<Attached> attached(Address replica) {
        return attached.stream().filter(a -> a.is(replica)).findFirst();
    }

    public static ReplicationInfo parse(String info) {
        Map<String, String> f = new HashMap<>();
        List<Attached> attached = new ArrayList<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0 || line.startsWith("#")) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            if (key.matches("slave\\d+")) {
                Map<String, String> kv = new HashMap<>();
                for (String part : value.split(",")) {
                    int eq = part.indexOf('=');
                    if (eq > 0) {
                        kv.put(part.substring(0, eq), part.substring(eq + 1));
                    }
                }
                try {
                    attached.add(new Attached(kv.getOrDefault("ip", ""), Integer.parseInt(kv.getOrDefault("port", "0")),
                            kv.getOrDefault("state", ""), Long.parseLong(kv.getOrDefault("lag", "-1"))));
                } catch (NumberFormatException e) {
                    // a line this parser does not know: the replica counts as not attached
                }
            } else {
                f.put(key, value);
            }
        }
        Address master = null;
        if ("slave".equals(f.get("role"))) {
            try {
                master = new Address(f.get("master_host"), Integer.parseInt(f.getOrDefault("master_port", "0")));
            } catch (RuntimeException e) {
                // not known yet
            }
        }
        return new ReplicationInfo(f.getOrDefault("role", "unknown"), master, attached);
    }
}
