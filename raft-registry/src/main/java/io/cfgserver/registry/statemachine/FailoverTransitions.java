package io.cfgserver.registry.statemachine;

import static io.cfgserver.registry.statemachine.Transitions.cluster;
import static io.cfgserver.registry.statemachine.Transitions.conflict;
import static io.cfgserver.registry.statemachine.Transitions.group;
import static io.cfgserver.registry.statemachine.Transitions.notFound;
import static io.cfgserver.registry.statemachine.Transitions.nullToEmpty;
import static io.cfgserver.registry.statemachine.Transitions.ok;
import static io.cfgserver.registry.statemachine.Transitions.required;

import io.cfgserver.registry.command.BeginFailover;
import io.cfgserver.registry.command.ClearStale;
import io.cfgserver.registry.command.EndFailover;
import io.cfgserver.registry.command.PromoteReplica;
import io.cfgserver.registry.command.RequestSwitchover;
import io.cfgserver.registry.command.SetReplicaBanned;
import io.cfgserver.registry.statemachine.Transitions.Outcome;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Failover;
import io.cfgserver.registry.topology.FailoverRecord;
import io.cfgserver.registry.topology.FailoverState;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.RegistryState;

/**
 * The handlers of the failover commands: request a switchover, begin (the intent, abortable),
 * promote (the commit point: the candidate is master at the new epoch, the version bumps), end
 * (done after the promotion; aborted only before it), and the replica marks (banned, stale). Pure,
 * like {@link Transitions}.
 */
final class FailoverTransitions {
    private FailoverTransitions() {
    }

    static Outcome applyRequestSwitchover(RegistryState s, RequestSwitchover c) {
        Cluster cluster = cluster(s, c.cluster());
        Group group = group(cluster, c.group());
        if (group.failover() != null) {
            throw conflict(group.logId() + " has a " + (group.failover().planned() ? "switchover" : "failover")
                    + " in progress (" + group.failover().state() + "): wait for it to end");
        }
        if (c.target() != null) {
            Instance t = group.replica(c.target()).orElseThrow(() -> group.master().address().equals(c.target())
                    ? conflict(c.target().logId() + " is already the master of " + group.logId())
                    : notFound(c.target().logId() + " is not a replica of " + group.logId()));
            if (!t.promotable()) {
                throw conflict(t.address().logId() + " cannot be promoted (banned " + t.banned() + ", stale " + t.stale()
                        + ", priority " + t.priority() + ")");
            }
        } else if (group.replicas().stream().noneMatch(Instance::promotable)) {
            throw conflict(group.logId() + " has no replica that can be promoted (all banned, stale or priority 0)");
        }
        Failover f = new Failover(group.epoch() + 1, group.master().address(), c.target(),
                FailoverState.SWITCHOVER_REQUESTED, true, "switchover requested", c.atMillis(), c.atMillis());
        return ok(s.withCluster(cluster.mapGroup(group.id(), g -> g.withFailover(f)))
                .withEvent(cluster.name(), c.atMillis(), "+switchover-requested", group.logId(cluster.name()),
                        c.target() == null ? "to the best replica" : "to " + c.target()), cluster.version());
    }

    static Outcome applyBeginFailover(RegistryState s, BeginFailover c) {
        Cluster cluster = cluster(s, c.cluster());
        Group group = group(cluster, c.group());
        Failover current = group.failover();
        if (current != null && current.state() != FailoverState.SWITCHOVER_REQUESTED) {
            throw conflict(group.logId() + " already has a failover in progress (epoch " + current.epoch() + ")");
        }
        if (c.epoch() != group.epoch() + 1) {
            throw conflict("epoch " + c.epoch() + " is not the next epoch of " + group.logId() + " (" + (group.epoch() + 1) + ")");
        }
        Address candidate = required(c.candidate(), "candidate");
        Instance r = group.replica(candidate).orElseThrow(
                () -> notFound(candidate.logId() + " is not a replica of " + group.logId()));
        if (!r.promotable()) {
            throw conflict(candidate.logId() + " cannot be promoted (banned " + r.banned() + ", stale " + r.stale()
                    + ", priority " + r.priority() + ")");
        }
        boolean planned = current != null && current.planned();
        Failover f = new Failover(c.epoch(), group.master().address(), candidate, FailoverState.PROMOTING, planned,
                nullToEmpty(c.reason()), current != null ? current.startedMillis() : c.atMillis(), c.atMillis());
        return ok(s.withCluster(cluster.mapGroup(group.id(), g -> g.withFailover(f)))
                .withEvent(cluster.name(), c.atMillis(), planned ? "+switchover-start" : "+failover-start", group.logId(cluster.name()),
                        "epoch " + c.epoch() + " " + group.master().address() + " -> " + candidate
                                + (f.reason().isEmpty() ? "" : " (" + f.reason() + ")")), cluster.version());
    }

    static Outcome applyPromoteReplica(RegistryState s, PromoteReplica c) {
        Cluster cluster = cluster(s, c.cluster());
        Group group = group(cluster, c.group());
        Failover f = group.failover();
        if (f == null || f.epoch() != c.epoch()) {
            throw conflict("no failover at epoch " + c.epoch() + " in " + group.logId());
        }
        if (f.state() == FailoverState.REPOINTING) {
            return ok(s, cluster.version());
        }
        if (f.state() != FailoverState.PROMOTING) {
            throw conflict(group.logId() + " failover is " + f.state() + ", not PROMOTING");
        }
        Cluster next = cluster.mapGroup(group.id(), g -> g.promote(f.candidate(), f.epoch())
                .withFailover(f.to(FailoverState.REPOINTING, c.atMillis()))).bumpVersion();
        return ok(s.withCluster(next)
                .withEvent(cluster.name(), c.atMillis(), "+promoted", f.candidate().logId(),
                        "master of " + group.logId(cluster.name()))
                .withEvent(cluster.name(), c.atMillis(), "+switch-master", group.logId(cluster.name()),
                f.oldMaster() + " -> " + f.candidate() + " epoch " + f.epoch() + " version " + next.version()),
                next.version());
    }

    static Outcome applyEndFailover(RegistryState s, EndFailover c) {
        Cluster cluster = cluster(s, c.cluster());
        Group group = group(cluster, c.group());
        Failover f = group.failover();
        if (f == null) {
            return ok(s, cluster.version());
        }
        if (f.epoch() != c.epoch()) {
            throw conflict("the failover in progress in " + group.logId() + " is at epoch " + f.epoch() + ", not " + c.epoch());
        }
        if (c.aborted() && !f.state().abortable()) {
            throw conflict("cannot abort the failover of " + group.logId() + ": the new master is committed");
        }
        if (!c.aborted() && f.state() != FailoverState.REPOINTING) {
            throw conflict("the failover of " + group.logId() + " cannot end as done before the new master is committed");
        }
        String outcome = nullToEmpty(c.outcome()).isEmpty() ? (c.aborted() ? "aborted" : "done") : c.outcome();
        FailoverRecord record = new FailoverRecord(f.epoch(), f.oldMaster(), f.candidate(), f.planned(), f.reason(),
                outcome, f.startedMillis(), c.atMillis());
        String kind = f.planned() ? "switchover" : "failover";
        String type = c.aborted() ? "-" + kind + "-abort-" + outcome.replaceAll("[^a-z0-9-]", "-") : "+" + kind + "-end";
        return ok(s.withCluster(cluster.mapGroup(group.id(), g -> g.endFailover(record)))
                .withEvent(cluster.name(), c.atMillis(), type, group.logId(cluster.name()), "epoch " + f.epoch() + " " + outcome),
                cluster.version());
    }

    static Outcome applySetReplicaBanned(RegistryState s, SetReplicaBanned c) {
        Cluster cluster = cluster(s, c.cluster());
        Group group = group(cluster, c.group());
        Address address = required(c.address(), "address");
        Instance r = group.replica(address).orElseThrow(
                () -> notFound(address.logId() + " is not a replica of " + group.logId()));
        if (r.banned() == c.banned()) {
            return ok(s, cluster.version());
        }
        if (!c.banned() && r.stale()) {
            throw conflict(address.logId() + " is a former master that has not been demoted yet: it stays banned");
        }
        return ok(s.withCluster(cluster.mapGroup(group.id(), g -> g.mapReplica(address, i -> i.withBanned(c.banned()))))
                .withEvent(cluster.name(), c.atMillis(), c.banned() ? "+ban" : "-ban", address.logId(),
                        nullToEmpty(c.reason())), cluster.version());
    }

    static Outcome applyClearStale(RegistryState s, ClearStale c) {
        Cluster cluster = cluster(s, c.cluster());
        Group group = group(cluster, c.group());
        Address address = required(c.address(), "address");
        Instance r = group.replica(address).orElseThrow(
                () -> notFound(address.logId() + " is not a replica of " + group.logId()));
        if (!r.stale()) {
            return ok(s, cluster.version());
        }
        return ok(s.withCluster(cluster.mapGroup(group.id(), g -> g.mapReplica(address, i -> i.withStale(false))))
                .withEvent(cluster.name(), c.atMillis(), "+demoted", address.logId(),
                        "replicates " + group.master().address()), cluster.version());
    }
}
