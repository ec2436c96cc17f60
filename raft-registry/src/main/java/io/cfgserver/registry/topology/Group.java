package io.cfgserver.registry.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One master and its replicas. {@code epoch} grows with every failover or switchover of the
 * group. {@code failover} is the one in progress (null when none); {@code history} the newest
 * finished ones, oldest first.
 */
public record Group(String id, long epoch, Instance master, List<Instance> replicas, Failover failover,
        List<FailoverRecord> history) {
    public static final int MAX_HISTORY = 20;

    public Group {
        replicas = List.copyOf(replicas);
        history = history == null ? List.of() : List.copyOf(history);
    }

    public Group(String id, long epoch, Instance master, List<Instance> replicas) {
        this(id, epoch, master, replicas, null, List.of());
    }

    public Group withFailover(Failover f) {
        return new Group(id, epoch, master, replicas, f, history);
    }

    /** Ends the failover in progress and appends its record to the history. */
    public Group endFailover(FailoverRecord record) {
        List<FailoverRecord> h = new ArrayList<>(history);
        h.add(record);
        if (h.size() > MAX_HISTORY) {
            h = h.subList(h.size() - MAX_HISTORY, h.size());
        }
        return new Group(id, epoch, master, replicas, null, h);
    }

    /** The candidate becomes master at {@code newEpoch}; the old master stays as a stale, banned replica. */
    public Group promote(Address candidate, long newEpoch) {
        Instance promoted = replica(candidate).orElseThrow().withBanned(false).withStale(false);
        List<Instance> rest = new ArrayList<>();
        for (Instance r : replicas) {
            if (!r.address().equals(candidate)) {
                rest.add(r);
            }
        }
        rest.add(master.withBanned(true).withStale(true));
        return new Group(id, newEpoch, promoted, rest, failover, history);
    }

    public Group mapReplica(Address address, java.util.function.UnaryOperator<Instance> f) {
        return withReplicas(replicas.stream().map(r -> r.address().equals(address) ? f.apply(r) : r).toList());
    }

    public Stream<Instance> instances() {
        return Stream.concat(Stream.of(master), replicas.stream());
    }

    public Optional<Instance> replica(Address address) {
        return replicas.stream().filter(r -> r.address().equals(address)).findFirst();
    }

    public Group withReplicas(List<Instance> newReplicas) {
        return new Group(id, epoch, master, newReplicas, failover, history);
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

    /** The id in events and stop-loss logs, unique across clusters: {@code group-[demo/g1]}. */
    public String logId(String cluster) {
        return "group-[" + cluster + "/" + id + "]";
    }
}
