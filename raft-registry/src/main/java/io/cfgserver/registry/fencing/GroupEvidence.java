package io.cfgserver.registry.fencing;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Does a proxy's map still hold for one group, judged from the data plane alone? A pure function of
 * what the group's master and replicas answer (unit-tested); {@link EvidenceReader} asks them.
 *
 * <p>It holds when all of these do:
 * <ol>
 *   <li>the map's master answers and is a master (a switchover or a demotion makes it a replica);</li>
 *   <li>it carries a stamp for this cluster and group, no newer in epoch than the map (a failover
 *       the map missed), naming this master at the map's epoch, and with the map's slots unless the
 *       stamp is no newer than the map (a slot move the map missed);</li>
 *   <li>every promotable replica the map or the stamp names is still a replica of this master: the
 *       master lists it {@code online} with a lag of at most {@code maxLagSeconds}, or the replica
 *       itself says it follows this master. A failover promotes one of them (the controller only
 *       promotes a replica named in the stamp), and a promoted replica does neither.</li>
 * </ol>
 * When it does not hold the agent cannot tell a dead replica from a promoted one, so it fences.
 */
public final class GroupEvidence {
    private GroupEvidence() {
    }

    /** What was wrong, empty when the evidence holds. */
    public static Optional<String> problem(Cluster map, Group g, ReplicationInfo master, Optional<FencingStamp> stamp,
            Function<Address, Optional<ReplicationInfo>> askReplica, long maxLagSeconds) {
        Address m = g.master().address();
        if (!master.isMaster()) {
            return Optional.of(m.logId() + " is no longer a master (role " + master.role()
                    + (master.masterOf() == null ? "" : " of " + master.masterOf()) + ")");
        }
        if (stamp.isEmpty()) {
            return Optional.of(m.logId() + " carries no fencing stamp (db " + FencingStamp.DB + " key "
                    + FencingStamp.KEY + "): nothing shows the map still holds");
        }
        FencingStamp s = stamp.get();
        if (!s.cluster().equals(map.name()) || !s.group().equals(g.id())) {
            return Optional.of(m.logId() + " is stamped for cluster-[" + s.cluster() + "] " + "group-[" + s.group()
                    + "], not this group");
        }
        if (s.epoch() > g.epoch()) {
            return Optional.of(m.logId() + " is stamped at epoch " + s.epoch() + ", the map has epoch " + g.epoch()
                    + ": a failover the map missed");
        }
        if (s.epoch() == g.epoch() && !s.master().equals(m)) {
            return Optional.of("the stamp names " + s.master().logId() + " as master at epoch " + s.epoch()
                    + ", the map " + m.logId());
        }
        if (s.version() > map.version() && !s.slots().equals(FencingStamp.slots(map, g.id()))) {
            return Optional.of("the stamp of version " + s.version() + " gives the group slots [" + s.slots()
                    + "], the map of version " + map.version() + " [" + FencingStamp.slots(map, g.id())
                    + "]: a slot move the map missed");
        }
        Set<Address> watched = new TreeSet<>();
        g.replicas().stream().filter(Instance::promotable).map(Instance::address).forEach(watched::add);
        watched.addAll(s.replicas());
        watched.remove(m);
        for (Address r : watched) {
            Optional<ReplicationInfo.Attached> a = master.attached(r);
            if (a.isPresent() && a.get().state().equals("online") && a.get().lagSeconds() >= 0
                    && a.get().lagSeconds() <= maxLagSeconds) {
                continue;
            }
            Optional<ReplicationInfo> own = askReplica.apply(r);
            if (own.isPresent() && m.equals(own.get().masterOf())) {
                continue;
            }
            String seen = a.map(x -> "state " + x.state() + ", lag " + x.lagSeconds() + " s").orElse("not attached");
            return Optional.of("replica " + r.logId() + " is not shown to follow " + m + " (master says: " + seen
                    + "; replica says: " + own.map(i -> "role " + i.role() + (i.masterOf() == null ? "" : " of " + i.masterOf()))
                            .orElse("no answer") + "): it may have been promoted");
        }
        return Optional.empty();
    }
}
