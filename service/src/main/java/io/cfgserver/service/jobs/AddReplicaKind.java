package io.cfgserver.service.jobs;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.workflows.Jobs;
import io.cfgserver.workflows.replica.AddReplicaRequest;
import io.cfgserver.workflows.replica.AddReplicaWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.Set;

/** {@code add-replica}: {@code {"group":"g1","address":"host:port"}} plus {@code maxLagBytes}, {@code priority}, {@code region}. */
final class AddReplicaKind implements JobKind {
    @Override
    public String type() {
        return Jobs.ADD_REPLICA;
    }

    @Override
    public boolean changesTopology() {
        return true;
    }

    @Override
    public Set<String> params() {
        return Set.of("group", "address", "maxLagBytes", "priority", "region");
    }

    @Override
    public Prepared prepare(RegistryState state, Cluster cluster, JobParams p, String jobId) {
        String group = p.requiredText("group", "which group gets the replica?");
        if (cluster.group(group).isEmpty()) {
            throw new JobException(404, "not-found", "group-[" + group + "] is not in " + cluster.logId());
        }
        Address address;
        try {
            address = Address.parse(p.text("address").orElse(null));
        } catch (InvalidTopologyException e) {
            throw new JobException(422, "invalid", "params.address: " + e.getMessage());
        }
        boolean used = state.clusters().values().stream()
                .anyMatch(c -> c.instances().anyMatch(i -> i.address().equals(address))
                        || c.proxies().stream().anyMatch(x -> x.listen().equals(address)));
        if (used) {
            throw new JobException(409, "conflict", address.logId() + " is already registered: give the address of a "
                    + "running, empty redis-server that no cluster knows yet");
        }
        long maxLag = p.number("maxLagBytes", AddReplicaRequest.DEFAULT_MAX_LAG_BYTES);
        Integer priority = p.has("priority") ? (int) p.number("priority", 0) : null;
        AddReplicaRequest request = new AddReplicaRequest(jobId, cluster.name(), group, address.toString(), maxLag,
                priority, p.text("region").orElse(null), null);
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
                AddReplicaWorkflow w = client.newWorkflowStub(AddReplicaWorkflow.class, options);
                WorkflowClient.start(w::run, request);
            }
        };
    }
}
