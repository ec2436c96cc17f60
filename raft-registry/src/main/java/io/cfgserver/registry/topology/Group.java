package io.cfgserver.registry.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One master and its replicas. {@code epoch} grows with every failover or switchover of the
 * group.
 */
public record Group(String id, long epoch, Instance master, List<Instance> replicas) {
    public Group {
        replicas = List.copyOf(replicas);
    }

    public Stream<Instance> instances() {
        return Stream.concat(Stream.of(master), replicas.stream());
    }

    public Optional<Instance> replica(Address address) {
        return replicas.stream().filter(r -> r.address().equals(address)).findFirst();
    }

    public Group withReplicas(List<Instance> newReplicas) {
        return new Group(id, epoch, master, newReplicas);
    }

    public Group plusReplica(Instance replica) {
        List<Instance> list = new ArrayList<>(replicas);
        list.add(replica);
        return withReplicas(list);
    }

    public Group minusReplica(Address address) {
        return withReplicas(replicas.stream().filter(r -> !r.address().equals(address)).toList());
    }

    public String logId() {
        return "group-[" + id + "]";
    }
}
