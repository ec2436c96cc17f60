package io.cfgserver.registry.statemachine;

import static io.cfgserver.registry.statemachine.Transitions.cluster;
import static io.cfgserver.registry.statemachine.Transitions.conflict;
import static io.cfgserver.registry.statemachine.Transitions.group;
import static io.cfgserver.registry.statemachine.Transitions.invalid;
import static io.cfgserver.registry.statemachine.Transitions.notFound;
import static io.cfgserver.registry.statemachine.Transitions.ok;

import io.cfgserver.registry.command.BeginMigration;
import io.cfgserver.registry.command.CommitMigration;
import io.cfgserver.registry.command.EndMigration;
import io.cfgserver.registry.statemachine.Transitions.Outcome;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Migration;
import io.cfgserver.registry.topology.MigrationState;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.Slots;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The handlers of the slot-migration commands: begin (the slots become migrating, the groups'
 * epochs are kept), commit (the commit point: the slots change owner if neither group failed over),
 * end (done after the commit; aborted only before it). Pure, like {@link Transitions}.
 */
final class MigrationTransitions {
    private static final Pattern OUTCOME = Pattern.compile("[a-z][a-z0-9-]{0,40}");

    private MigrationTransitions() {
    }

    static Outcome applyBeginMigration(RegistryState s, BeginMigration c) {
        Cluster cluster = cluster(s, c.cluster());
        if (c.job() == null || !Transitions.JOB_ID.matcher(c.job()).matches()) {
            throw invalid("job id '" + c.job() + "' must be 1-80 letters, digits, '.', '_' or '-'");
        }
        if (c.from() < 0 || c.to() >= Slots.COUNT || c.from() > c.to()) {
            throw invalid("slots " + c.from() + ".." + c.to() + " are not a range: need 0 <= from <= to <= " + (Slots.COUNT - 1));
        }
        if (c.target() == null || c.target().isBlank()) {
            throw invalid("target is missing: the group that receives the slots");
        }
        Group target = group(cluster, c.target());
        TreeSet<String> owners = new TreeSet<>();
        for (int slot = c.from(); slot <= c.to(); slot++) {
            owners.add(cluster.slots().owner(slot));
        }
        if (owners.size() > 1) {
            throw invalid("slots " + c.from() + ".." + c.to() + " are owned by " + owners.size() + " groups " + owners
                    + ": a move takes slots of one source group; split the range by owner");
        }
        Group source = group(cluster, owners.first());
        if (source.id().equals(target.id())) {
            throw invalid("slots " + c.from() + ".." + c.to() + " already belong to " + target.logId() + ": nothing to move");
        }
        Migration mine = cluster.migration(c.job()).orElse(null);
        if (mine != null) {
            if (mine.from() != c.from() || mine.to() != c.to() || !mine.target().equals(c.target())) {
                throw conflict(mine.logId() + " moves " + mine.slots() + " to group-[" + mine.target() + "]: a job moves one range");
            }
            if (mine.state() == MigrationState.COMMITTED) {
                return ok(s, cluster.version());
            }
            // the copy starts over, on the groups' current epochs
            Migration again = mine.withEpochs(source.epoch(), target.epoch());
            RegistryState next = s.withCluster(cluster.withMigrations(replace(cluster, again)));
            if (again.sourceEpoch() != mine.sourceEpoch() || again.targetEpoch() != mine.targetEpoch()) {
                next = next.withEvent(cluster.name(), c.atMillis(), "+migration-restart", mine.logId(),
                        "copying again at epochs " + again.sourceEpoch() + "/" + again.targetEpoch() + " (were "
                                + mine.sourceEpoch() + "/" + mine.targetEpoch() + ")");
            }
            return ok(next, cluster.version());
        }
        for (Migration other : cluster.migrations()) {
            if (other.overlaps(c.from(), c.to())) {
                throw conflict("slots " + c.from() + ".." + c.to() + " overlap " + other.logId() + " (" + other.slots()
                        + "): wait for it or cancel it");
            }
        }
        Migration m = new Migration(c.job(), c.from(), c.to(), source.id(), target.id(), source.epoch(), target.epoch(),
                MigrationState.COPYING, c.atMillis());
        List<Migration> all = new ArrayList<>(cluster.migrations());
        all.add(m);
        return ok(s.withCluster(cluster.withMigrations(all)).withEvent(cluster.name(), c.atMillis(), "+migration-start",
                m.logId(), m.slots() + " from " + source.logId() + " to " + target.logId()), cluster.version());
    }

    static Outcome applyCommitMigration(RegistryState s, CommitMigration c) {
        Cluster cluster = cluster(s, c.cluster());
        Migration m = cluster.migration(c.job()).orElseThrow(() -> notFound("migration-[" + c.job() + "] is not in "
                + cluster.logId()));
        if (m.state() == MigrationState.COMMITTED) {
            return ok(s, cluster.version());
        }
        Group source = group(cluster, m.source());
        Group target = group(cluster, m.target());
        if (c.sourceEpoch() != m.sourceEpoch() || c.targetEpoch() != m.targetEpoch()
                || source.epoch() != m.sourceEpoch() || target.epoch() != m.targetEpoch()) {
            throw conflict(m.logId() + " copied at epochs " + c.sourceEpoch() + "/" + c.targetEpoch() + ", recorded "
                    + m.sourceEpoch() + "/" + m.targetEpoch() + ", now " + source.epoch() + "/" + target.epoch()
                    + ": a group failed over since the copy began; copy again from its new master");
        }
        String[] owners = new String[Slots.COUNT];
        for (int slot = 0; slot < Slots.COUNT; slot++) {
            String owner = cluster.slots().owner(slot);
            if (slot >= m.from() && slot <= m.to()) {
                if (!owner.equals(m.source())) {
                    throw conflict(Slots.logId(slot) + " belongs to group-[" + owner + "], not the source of " + m.logId());
                }
                owner = m.target();
            }
            owners[slot] = owner;
        }
        Migration committed = m.with(MigrationState.COMMITTED);
        Cluster next = cluster.withSlots(SlotMap.fromOwners(owners)).withMigrations(replace(cluster, committed)).bumpVersion();
        return ok(s.withCluster(next).withEvent(cluster.name(), c.atMillis(), "+migration-cutover", m.logId(),
                m.slots() + " now belong to " + target.logId() + ", version " + next.version()), next.version());
    }

    static Outcome applyEndMigration(RegistryState s, EndMigration c) {
        Cluster cluster = cluster(s, c.cluster());
        if (c.outcome() == null || !OUTCOME.matcher(c.outcome()).matches()) {
            throw invalid("outcome '" + c.outcome() + "' must be a lowercase word such as done or cancelled");
        }
        Migration m = cluster.migration(c.job()).orElse(null);
        if (m == null) {
            return ok(s, cluster.version()); // ended already
        }
        if (c.aborted() && !m.state().abortable()) {
            throw conflict(m.logId() + " has committed: it cannot be aborted; move the slots back with another move");
        }
        if (!c.aborted() && m.state() != MigrationState.COMMITTED) {
            throw conflict(m.logId() + " has not committed: a move ends done only after its commit");
        }
        List<Migration> rest = cluster.migrations().stream().filter(x -> !x.job().equals(m.job())).toList();
        String type = c.aborted() ? "-migration-abort-" + c.outcome() : "+migration-done";
        return ok(s.withCluster(cluster.withMigrations(rest)).withEvent(cluster.name(), c.atMillis(), type, m.logId(),
                c.message() == null ? "" : c.message()), cluster.version());
    }

    private static List<Migration> replace(Cluster cluster, Migration m) {
        return cluster.migrations().stream().map(x -> x.job().equals(m.job()) ? m : x).toList();
    }
}
