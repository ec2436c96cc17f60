package io.cfgserver.registry.statemachine;

import static io.cfgserver.registry.statemachine.Transitions.cluster;
import static io.cfgserver.registry.statemachine.Transitions.invalid;
import static io.cfgserver.registry.statemachine.Transitions.notFound;
import static io.cfgserver.registry.statemachine.Transitions.nullToEmpty;
import static io.cfgserver.registry.statemachine.Transitions.ok;
import static io.cfgserver.registry.statemachine.Transitions.required;

import io.cfgserver.registry.command.EndMaintenance;
import io.cfgserver.registry.command.SetMaintenance;
import io.cfgserver.registry.statemachine.Transitions.Outcome;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Maintenance;
import io.cfgserver.registry.topology.RegistryState;
import java.util.ArrayList;
import java.util.List;

/** Maintenance windows: set, extend, end (docs/failover.md, "Maintenance mode"). No topology version bump. */
final class MaintenanceTransitions {
    private MaintenanceTransitions() {
    }

    static Outcome applySetMaintenance(RegistryState s, SetMaintenance c) {
        Cluster cluster = cluster(s, c.cluster());
        String target = required(c.target(), "target").trim();
        if (target.contains(":")) {
            Address a;
            try {
                a = Address.parse(target);
            } catch (RuntimeException e) {
                throw invalid("target '" + target + "' is neither a group id nor host:port: " + e.getMessage());
            }
            if (cluster.groupOf(a).isEmpty()) {
                throw notFound(a.logId() + " is not in " + cluster.logId());
            }
            target = a.toString();
        } else if (cluster.group(target).isEmpty()) {
            throw notFound("group-[" + target + "] is not in " + cluster.logId());
        }
        if (c.untilMillis() <= c.atMillis()) {
            throw invalid("a maintenance window must end in the future (untilMillis " + c.untilMillis()
                    + " is not after " + c.atMillis() + ")");
        }
        if (c.untilMillis() - c.atMillis() > Maintenance.MAX_MILLIS) {
            throw invalid("a maintenance window lasts at most " + Maintenance.MAX_MILLIS / 3_600_000 + " hours; set a shorter"
                    + " one and extend it if needed");
        }
        String reason = nullToEmpty(c.reason());
        if (reason.length() > 200) {
            throw invalid("reason is longer than 200 characters");
        }
        final String t = target;
        List<Maintenance> next = new ArrayList<>(cluster.maintenance().stream()
                .filter(m -> !m.target().equals(t) && m.activeAt(c.atMillis())).toList());
        Maintenance m = new Maintenance(t, c.atMillis(), c.untilMillis(), reason, nullToEmpty(c.by()));
        next.add(m);
        return ok(s.withCluster(cluster.withMaintenance(next)).withEvent(cluster.name(), c.atMillis(), "+maintenance",
                m.logId(cluster.name()), "automatic failover and bans suspended for " + (c.untilMillis() - c.atMillis()) / 1000 + " s"
                        + (reason.isEmpty() ? "" : ": " + reason) + (m.by().isEmpty() ? "" : " (by " + m.by() + ")")),
                cluster.version());
    }

    static Outcome applyEndMaintenance(RegistryState s, EndMaintenance c) {
        Cluster cluster = cluster(s, c.cluster());
        String target = required(c.target(), "target").trim();
        if (target.contains(":")) {
            try {
                target = Address.parse(target).toString();
            } catch (RuntimeException e) {
                throw invalid("target '" + target + "' is neither a group id nor host:port: " + e.getMessage());
            }
        }
        final String t = target;
        Maintenance was = cluster.maintenance().stream().filter(m -> m.target().equals(t)).findFirst().orElse(null);
        if (was == null) {
            return ok(s, cluster.version());
        }
        List<Maintenance> next = cluster.maintenance().stream().filter(m -> !m.target().equals(t)).toList();
        return ok(s.withCluster(cluster.withMaintenance(next)).withEvent(cluster.name(), c.atMillis(), "-maintenance",
                was.logId(cluster.name()), nullToEmpty(c.why()).isEmpty() ? "ended" : c.why()), cluster.version());
    }
}
