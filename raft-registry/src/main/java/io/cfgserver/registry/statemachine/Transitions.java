package io.cfgserver.registry.statemachine;

import io.cfgserver.registry.command.AddGroup;
import io.cfgserver.registry.command.AddProxy;
import io.cfgserver.registry.command.AddReplica;
import io.cfgserver.registry.command.AssignSlots;
import io.cfgserver.registry.command.BeginFailover;
import io.cfgserver.registry.command.BeginJob;
import io.cfgserver.registry.command.BeginMigration;
import io.cfgserver.registry.command.ClearStale;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.CommitMigration;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.DeleteCluster;
import io.cfgserver.registry.command.EndFailover;
import io.cfgserver.registry.command.EndMaintenance;
import io.cfgserver.registry.command.SetMaintenance;
import io.cfgserver.registry.command.EndMigration;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.PromoteReplica;
import io.cfgserver.registry.command.ProxySpec;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.RecordAudit;
import io.cfgserver.registry.command.RejectCode;
import io.cfgserver.registry.command.RemoveGroup;
import io.cfgserver.registry.command.RemoveProxy;
import io.cfgserver.registry.command.RemoveReplica;
import io.cfgserver.registry.command.RenewLease;
import io.cfgserver.registry.command.RequestSwitchover;
import io.cfgserver.registry.command.SetPolicy;
import io.cfgserver.registry.command.PatchConfig;
import io.cfgserver.registry.command.RollbackConfig;
import io.cfgserver.registry.command.SetProxySettings;
import io.cfgserver.registry.command.MarkConfigRolledOut;
import io.cfgserver.registry.command.SetConfigDrift;
import io.cfgserver.registry.command.PatchPolicy;
import io.cfgserver.registry.command.SetProxyListen;
import io.cfgserver.registry.command.SetReplicaBanned;
import io.cfgserver.registry.command.UpdateJob;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.Migration;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.SlotRange;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The registry's transition function: {@code (state, command) -> (state', result)}. Pure and
 * deterministic: no clock, no randomness, no I/O. The state machine runs it once on the leader
 * before a command enters the log (to refuse bad commands early) and again when the command is
 * applied, on every peer, against the state of that moment.
 */
public final class Transitions {
    static final Pattern CLUSTER_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,79}");
    static final Pattern JOB_TYPE = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    static final Pattern EVENT_TYPE = Pattern.compile("[+-][a-z][a-z0-9-]{0,62}");

    /** The new state and the result a client sees. */
    public record Outcome(RegistryState state, CommandResult result) {
    }

    private Transitions() {
    }

    public static Outcome apply(RegistryState state, Command command) {
        if (command == null) {
            return rejected(state, RejectCode.INVALID, "command is missing");
        }
        try {
            // One handler per command type (Java 17 has no pattern switch; the sealed interface keeps the list closed).
            if (command instanceof CreateCluster c) {
                return applyCreateCluster(state, c);
            } else if (command instanceof DeleteCluster c) {
                return applyDeleteCluster(state, c);
            } else if (command instanceof AddGroup c) {
                return applyAddGroup(state, c);
            } else if (command instanceof RemoveGroup c) {
                return applyRemoveGroup(state, c);
            } else if (command instanceof AddReplica c) {
                return applyAddReplica(state, c);
            } else if (command instanceof RemoveReplica c) {
                return applyRemoveReplica(state, c);
            } else if (command instanceof AddProxy c) {
                return ProxyTransitions.applyAddProxy(state, c);
            } else if (command instanceof RemoveProxy c) {
                return ProxyTransitions.applyRemoveProxy(state, c);
            } else if (command instanceof SetPolicy c) {
                return applySetPolicy(state, c);
            } else if (command instanceof AssignSlots c) {
                return applyAssignSlots(state, c);
            } else if (command instanceof BeginJob c) {
                return JobTransitions.applyBeginJob(state, c);
            } else if (command instanceof UpdateJob c) {
                return JobTransitions.applyUpdateJob(state, c);
            } else if (command instanceof RecordEvent c) {
                return JobTransitions.applyRecordEvent(state, c);
            } else if (command instanceof RecordAudit c) {
                return AuditTransitions.applyRecordAudit(state, c);
            } else if (command instanceof RenewLease c) {
                return ProxyTransitions.applyRenewLease(state, c);
            } else if (command instanceof SetProxyListen c) {
                return ProxyTransitions.applySetProxyListen(state, c);
            } else if (command instanceof SetMaintenance c) {
                return MaintenanceTransitions.applySetMaintenance(state, c);
            } else if (command instanceof EndMaintenance c) {
                return MaintenanceTransitions.applyEndMaintenance(state, c);
            } else if (command instanceof BeginFailover c) {
                return FailoverTransitions.applyBeginFailover(state, c);
            } else if (command instanceof PromoteReplica c) {
                return FailoverTransitions.applyPromoteReplica(state, c);
            } else if (command instanceof EndFailover c) {
                return FailoverTransitions.applyEndFailover(state, c);
            } else if (command instanceof RequestSwitchover c) {
                return FailoverTransitions.applyRequestSwitchover(state, c);
            } else if (command instanceof SetReplicaBanned c) {
                return FailoverTransitions.applySetReplicaBanned(state, c);
            } else if (command instanceof ClearStale c) {
                return FailoverTransitions.applyClearStale(state, c);
            } else if (command instanceof BeginMigration c) {
                return MigrationTransitions.applyBeginMigration(state, c);
            } else if (command instanceof CommitMigration c) {
                return MigrationTransitions.applyCommitMigration(state, c);
            } else if (command instanceof EndMigration c) {
                return MigrationTransitions.applyEndMigration(state, c);
            } else if (command instanceof PatchConfig c) {
                return ConfigTransitions.applyPatchConfig(state, c);
            } else if (command instanceof RollbackConfig c) {
                return ConfigTransitions.applyRollbackConfig(state, c);
            } else if (command instanceof SetProxySettings c) {
                return ConfigTransitions.applySetProxySettings(state, c);
            } else if (command instanceof MarkConfigRolledOut c) {
                return ConfigTransitions.applyMarkConfigRolledOut(state, c);
            } else if (command instanceof SetConfigDrift c) {
                return ConfigTransitions.applySetConfigDrift(state, c);
            } else if (command instanceof PatchPolicy c) {
                return ConfigTransitions.applyPatchPolicy(state, c);
            }
            throw new IllegalStateException("no handler for command type " + command.getClass().getName());
        } catch (CommandRejectedException e) {
            return rejected(state, e.code(), e.getMessage());
        } catch (InvalidTopologyException e) {
            return rejected(state, RejectCode.INVALID, e.getMessage());
        }
    }

    // ---- clusters -------------------------------------------------------------------------

    static Outcome applyCreateCluster(RegistryState s, CreateCluster c) {
        requireName(c.cluster());
        if (s.clusters().containsKey(c.cluster())) {
            throw conflict("cluster-[" + c.cluster() + "] exists already: pick another name or delete it first");
        }
        if (c.groups().isEmpty()) {
            throw invalid("a cluster needs at least one group: give \"groups\":[{\"id\",\"master\",\"replicas\"}]");
        }
        Set<Address> taken = addressesInUse(s);
        Set<String> groupIds = new HashSet<>();
        List<Group> groups = new ArrayList<>();
        for (GroupSpec g : c.groups()) {
            Group group = newGroup(g, taken);
            if (!groupIds.add(group.id())) {
                throw invalid("group id '" + group.id() + "' appears twice: group ids must be unique in a cluster");
            }
            groups.add(group);
        }
        List<Proxy> proxies = newProxies(c.proxies(), taken);
        SlotMap slots = SlotMap.spread(groups.stream().map(Group::id).toList());
        Cluster cluster = new Cluster(c.cluster(), 1, groups, slots, proxies, Policy.defaults(), c.atMillis());
        return ok(s.withCluster(cluster)
                .withEvent(c.cluster(), c.atMillis(), "+cluster-created", cluster.logId(),
                        groups.size() + " groups, " + proxies.size() + " proxies"), cluster.version());
    }

    static Outcome applyDeleteCluster(RegistryState s, DeleteCluster c) {
        Cluster cluster = cluster(s, c.cluster());
        for (Job j : s.jobsOf(cluster.name())) {
            if (!j.state().terminal()) {
                throw conflict(j.logId() + " of " + cluster.logId() + " is " + j.state()
                        + ": cancel it (POST /v1/jobs/" + j.id() + "/cancel) before deleting the cluster");
            }
        }
        return ok(s.withoutCluster(cluster.name()), 0);
    }

    // ---- groups and replicas ----------------------------------------------------------------

    static Outcome applyAddGroup(RegistryState s, AddGroup c) {
        Cluster cluster = cluster(s, c.cluster());
        if (c.group() == null) {
            throw invalid("group is missing: give {\"id\",\"master\",\"replicas\"}");
        }
        Group group = newGroup(c.group(), addressesInUse(s));
        if (cluster.group(group.id()).isPresent()) {
            throw conflict(group.logId() + " exists already in " + cluster.logId());
        }
        Cluster next = cluster.plusGroup(group).bumpVersion();
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+group-added", group.logId(),
                "master " + group.master().address()), next.version());
    }

    static Outcome applyRemoveGroup(RegistryState s, RemoveGroup c) {
        Cluster cluster = cluster(s, c.cluster());
        Group group = group(cluster, c.group());
        for (Migration m : cluster.migrations()) {
            if (m.names(group.id())) {
                throw conflict(group.logId() + " takes part in " + m.logId() + " (" + m.slots() + "): wait for it to end");
            }
        }
        Integer owned = cluster.slots().countByGroup().get(group.id());
        if (owned != null) {
            throw conflict(group.logId() + " still owns " + owned + " slots: move them to other groups first");
        }
        Cluster next = cluster.withGroups(cluster.groups().stream().filter(g -> !g.id().equals(group.id())).toList())
                .bumpVersion();
        for (Instance i : group.instances().toList()) {
            next = next.withConfig(next.config().withDrift(i.address().toString(), List.of())); // gone, not drifting
        }
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "-group-removed", group.logId(), ""),
                next.version());
    }

    static Outcome applyAddReplica(RegistryState s, AddReplica c) {
        Cluster cluster = cluster(s, c.cluster());
        Group group = group(cluster, c.group());
        Address address = required(c.address(), "address");
        if (addressesInUse(s).contains(address)) {
            throw conflict(address.logId() + " is already registered (as an instance or a proxy): one address, one role");
        }
        int priority = c.priority() == null ? Instance.DEFAULT_PRIORITY : c.priority();
        Instance replica = new Instance(address, priority, blankToNull(c.region()), false);
        Cluster next = cluster.mapGroup(group.id(), g -> g.plusReplica(replica)).bumpVersion();
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+replica-added", address.logId(),
                "of " + group.logId()), next.version());
    }

    static Outcome applyRemoveReplica(RegistryState s, RemoveReplica c) {
        Cluster cluster = cluster(s, c.cluster());
        Group group = group(cluster, c.group());
        Address address = required(c.address(), "address");
        if (group.replica(address).isEmpty()) {
            if (group.master().address().equals(address)) {
                throw conflict(address.logId() + " is the master of " + group.logId()
                        + ": switch over to a replica first, then remove it");
            }
            throw notFound(address.logId() + " is not a replica of " + group.logId());
        }
        Cluster next = cluster.mapGroup(group.id(), g -> g.minusReplica(address)).bumpVersion();
        next = next.withConfig(next.config().withDrift(address.toString(), List.of())); // gone, not drifting
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "-replica-removed", address.logId(),
                "of " + group.logId()), next.version());
    }

    // ---- policy and slots -------------------------------------------------------------------

    static Outcome applySetPolicy(RegistryState s, SetPolicy c) {
        Cluster cluster = cluster(s, c.cluster());
        Policy policy = required(c.policy(), "policy");
        List<String> problems = policy.problems();
        if (!problems.isEmpty()) {
            throw invalid("policy is invalid: " + String.join("; ", problems));
        }
        Cluster next = cluster.withPolicy(policy);
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+policy-changed", cluster.logId(),
                ""), next.version());
    }

    static Outcome applyAssignSlots(RegistryState s, AssignSlots c) {
        Cluster cluster = cluster(s, c.cluster());
        if (!cluster.migrations().isEmpty()) {
            Migration m = cluster.migrations().get(0);
            throw conflict("slots of " + cluster.logId() + " are moving (" + m.logId() + ", " + m.slots() + "): the map cannot"
                    + " be reassigned under a migration; wait for it or cancel it");
        }
        SlotMap map = SlotMap.of(c.ranges());
        for (SlotRange r : map.runs()) {
            if (cluster.group(r.group()).isEmpty()) {
                throw notFound("slot range " + r.from() + ".." + r.to() + " names group-[" + r.group()
                        + "], which is not in " + cluster.logId());
            }
        }
        if (map.equals(cluster.slots())) {
            return ok(s, cluster.version());
        }
        Cluster next = cluster.withSlots(map).bumpVersion();
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+slots-assigned", cluster.logId(),
                map.runs().size() + " runs, version " + next.version()), next.version());
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static Group newGroup(GroupSpec g, Set<Address> taken) {
        if (g.id() == null || !ID.matcher(g.id()).matches()) {
            throw invalid("group id '" + g.id() + "' must be 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (g.master() == null) {
            throw invalid("group-[" + g.id() + "] has no master: give \"master\":\"host:port\"");
        }
        List<Instance> replicas = new ArrayList<>();
        Set<Address> inGroup = new HashSet<>();
        inGroup.add(g.master());
        for (Address r : g.replicas()) {
            if (r == null) {
                throw invalid("group-[" + g.id() + "] has an empty replica address");
            }
            if (!inGroup.add(r)) {
                throw invalid(r.logId() + " appears twice in group-[" + g.id() + "]");
            }
            replicas.add(Instance.of(r));
        }
        for (Address a : inGroup) {
            if (!taken.add(a)) {
                throw conflict(a.logId() + " is already used by another group or proxy: an address belongs to one group");
            }
        }
        return new Group(g.id(), 0, Instance.of(g.master()), replicas);
    }

    static List<Proxy> newProxies(List<ProxySpec> specs, Set<Address> taken) {
        List<Proxy> proxies = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (ProxySpec p : specs) {
            if (p == null || p.id() == null || !ID.matcher(p.id()).matches()) {
                throw invalid("proxy id '" + (p == null ? null : p.id()) + "' must be 1-32 letters, digits, '.', '_' or '-'");
            }
            if (p.listen() == null) {
                throw invalid("proxy-[" + p.id() + "] has no listen address: give \"listen\":\"host:port\"");
            }
            if (!ids.add(p.id())) {
                throw invalid("proxy id '" + p.id() + "' appears twice");
            }
            if (!taken.add(p.listen())) {
                throw conflict("listen address " + p.listen() + " of proxy-[" + p.id() + "] is already in use by an instance or proxy");
            }
            proxies.add(Proxy.fresh(p.id(), p.listen()));
        }
        return proxies;
    }

    static Set<Address> addressesInUse(RegistryState s) {
        return s.addressesInUse();
    }

    static Cluster cluster(RegistryState s, String name) {
        if (name == null || name.isBlank()) {
            throw invalid("cluster name is missing");
        }
        return s.cluster(name).orElseThrow(() -> notFound("cluster-[" + name + "] does not exist: create it with POST /v1/clusters"));
    }

    static Group group(Cluster c, String id) {
        return c.group(id).orElseThrow(() -> notFound("group-[" + id + "] is not in " + c.logId()));
    }

    private static void requireName(String name) {
        if (name == null || !CLUSTER_NAME.matcher(name).matches()) {
            throw invalid("cluster name '" + name + "' must be 1-63 lowercase letters, digits, '_' or '-', starting with a letter or digit");
        }
    }

    static <T> T required(T value, String what) {
        if (value == null) {
            throw invalid(what + " is missing");
        }
        return value;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    static Outcome ok(RegistryState s, long version) {
        return new Outcome(s, CommandResult.ok(version));
    }

    private static Outcome rejected(RegistryState s, RejectCode code, String message) {
        return new Outcome(s, CommandResult.rejected(code, message));
    }

    static CommandRejectedException invalid(String message) {
        return new CommandRejectedException(RejectCode.INVALID, message);
    }

    static CommandRejectedException notFound(String message) {
        return new CommandRejectedException(RejectCode.NOT_FOUND, message);
    }

    static CommandRejectedException conflict(String message) {
        return new CommandRejectedException(RejectCode.CONFLICT, message);
    }
}
