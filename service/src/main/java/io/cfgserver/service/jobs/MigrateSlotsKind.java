package io.cfgserver.service.jobs;

import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Migration;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.registry.topology.Slots;
import io.cfgserver.workflows.Jobs;
import io.cfgserver.workflows.migration.MigrateSlotsRequest;
import io.cfgserver.workflows.migration.MigrateSlotsWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code migrate-slots}: {@code {"from":0,"to":255,"target":"g2"}} plus {@code keysPerBatch},
 * {@code maxPauseMillis}, {@code maxKeysPerSecond}, {@code bigKeyBytes}.
 */
final class MigrateSlotsKind implements JobKind {
    @Override
    public String type() {
        return Jobs.MIGRATE_SLOTS;
    }

    @Override
    public boolean changesTopology() {
        return true;
    }

    @Override
    public Set<String> params() {
        return Set.of("from", "to", "target", "keysPerBatch", "maxPauseMillis", "maxKeysPerSecond", "bigKeyBytes");
    }

    @Override
    public Prepared prepare(RegistryState state, Cluster cluster, JobParams p, String jobId) {
        String example = "{\"from\":0,\"to\":255,\"target\":\"g2\"}";
        for (String k : new String[] {"from", "to", "target"}) {
            if (!p.has(k)) {
                throw new JobException(422, "invalid", "params." + k + " is missing: " + example);
            }
        }
        int from = (int) p.number("from", -1);
        int to = (int) p.number("to", -1);
        if (from < 0 || to >= Slots.COUNT || from > to) {
            throw new JobException(422, "invalid", "params.from and params.to must satisfy 0 <= from <= to <= "
                    + (Slots.COUNT - 1) + ", got " + from + ".." + to);
        }
        String target = p.requiredText("target", example);
        if (cluster.group(target).isEmpty()) {
            throw new JobException(404, "not-found", "group-[" + target + "] is not in " + cluster.logId());
        }
        TreeSet<String> owners = new TreeSet<>();
        for (int s = from; s <= to; s++) {
            owners.add(cluster.slots().owner(s));
        }
        if (owners.size() > 1) {
            throw new JobException(422, "invalid", "slots " + from + ".." + to + " are owned by " + owners
                    + ": a move takes the slots of one group; split the range by owner");
        }
        if (owners.first().equals(target)) {
            throw new JobException(422, "invalid", "slots " + from + ".." + to + " already belong to group-[" + target + "]");
        }
        for (Migration m : cluster.migrations()) {
            if (m.overlaps(from, to)) {
                throw new JobException(409, "conflict", "slots " + from + ".." + to + " overlap " + m.logId() + " ("
                        + m.slots() + ")");
            }
        }
        MigrateSlotsRequest request = new MigrateSlotsRequest(jobId, cluster.name(), from, to, target,
                (int) p.number("keysPerBatch", MigrateSlotsRequest.DEFAULT_KEYS_PER_BATCH),
                p.number("maxPauseMillis", MigrateSlotsRequest.DEFAULT_MAX_PAUSE_MILLIS),
                p.number("maxKeysPerSecond", 0),
                p.number("bigKeyBytes", MigrateSlotsRequest.DEFAULT_BIG_KEY_BYTES), null);
        String problem = request.problem();
        if (problem != null) {
            throw new JobException(422, "invalid", "params: " + problem);
        }
        return new Prepared() {
            @Override
            public String jobId() {
                return jobId;
            }

            @Override
            public void start(WorkflowClient client, WorkflowOptions options) {
                MigrateSlotsWorkflow w = client.newWorkflowStub(MigrateSlotsWorkflow.class, options);
                WorkflowClient.start(w::run, request);
            }
        };
    }
}
