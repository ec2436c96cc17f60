package io.cfgserver.registry.fencing;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.cfgserver.registry.Json;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.SlotRange;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the controller writes on a group's master (database {@link #DB}, key {@link #KEY}) once the
 * registry has committed it as master: the group as the registry then had it. Replicas copy it by
 * replication, so a replica's copy says which replicas its master had named promotable.
 *
 * <p>Two rules rest on it: the controller promotes (unplanned) only a replica named in its own copy
 * of the stamp, and an agent cut off from the registry checks every replica its map or the master's
 * stamp names; so the replica a failover promotes is always one the agent watches.
 *
 * @param version  the cluster's topology version when the stamp was written
 * @param replicas the promotable replicas (not banned, not stale, priority above 0)
 * @param slots    the group's slots as runs, e.g. {@code 0-340,512-600} (empty: none)
 */
public record FencingStamp(String cluster, String group, long epoch, long version, Address master,
        List<Address> replicas, String slots) {
    /** twemproxy only ever uses database 0: nothing a client sends through it reads or writes here. */
    public static final int DB = 15;
    public static final String KEY = "cfgserver:stamp";

    public FencingStamp {
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        slots = slots == null ? "" : slots;
    }

    /** The stamp for {@code g} as the registry has it in {@code c}. */
    public static FencingStamp of(Cluster c, Group g) {
        return new FencingStamp(c.name(), g.id(), g.epoch(), c.version(), g.master().address(),
                g.replicas().stream().filter(Instance::promotable).map(Instance::address).sorted().toList(), slots(c, g.id()));
    }

    /** The group's slots as compact runs: {@code 0-340,512-600}. */
    public static String slots(Cluster c, String group) {
        return c.slots().runs().stream().filter(r -> r.group().equals(group)).map(FencingStamp::run)
                .collect(Collectors.joining(","));
    }

    private static String run(SlotRange r) {
        return r.from() == r.to() ? Integer.toString(r.from()) : r.from() + "-" + r.to();
    }

    public String encode() {
        try {
            return Json.mapper().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stamp in {@code text}, empty when there is none or it does not parse. */
    public static Optional<FencingStamp> decode(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            FencingStamp s = Json.mapper().readValue(text, FencingStamp.class);
            return s.cluster() == null || s.group() == null || s.master() == null ? Optional.empty() : Optional.of(s);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Names {@code replica} as promotable for this group of this cluster at this epoch. */
    public boolean names(String clusterName, String groupId, long groupEpoch, Address replica) {
        return cluster.equals(clusterName) && group.equals(groupId) && epoch == groupEpoch && replicas.contains(replica);
    }
}
