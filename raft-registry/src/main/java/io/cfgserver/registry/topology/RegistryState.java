package io.cfgserver.registry.topology;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The whole replicated state: an immutable value. Every command produces a new one; readers
 * hold whichever they took without locking.
 *
 * @param clusters  by name
 * @param jobs      the job catalog, by job id
 * @param events    per cluster, the newest {@link #MAX_EVENTS_PER_CLUSTER} events, oldest first
 * @param lastEventSeq sequence number of the last event recorded anywhere
 * @param audit     the newest {@link #MAX_AUDIT} lines of the audit log, oldest first
 * @param lastAuditSeq sequence number of the last audit line
 */
public record RegistryState(
        SortedMap<String, Cluster> clusters,
        SortedMap<String, Job> jobs,
        SortedMap<String, List<Event>> events,
        long lastEventSeq,
        List<AuditEntry> audit,
        long lastAuditSeq) {

    public static final int MAX_EVENTS_PER_CLUSTER = 1000;
    public static final int MAX_AUDIT = 5000;

    public RegistryState {
        clusters = Collections.unmodifiableSortedMap(new TreeMap<>(clusters));
        jobs = Collections.unmodifiableSortedMap(new TreeMap<>(jobs));
        TreeMap<String, List<Event>> ev = new TreeMap<>();
        events.forEach((k, v) -> ev.put(k, List.copyOf(v)));
        events = Collections.unmodifiableSortedMap(ev);
        audit = audit == null ? List.of() : List.copyOf(audit); // null: a snapshot from before the audit log
    }

    /** A state without audit lines (as before the audit log existed). */
    public RegistryState(SortedMap<String, Cluster> clusters, SortedMap<String, Job> jobs,
            SortedMap<String, List<Event>> events, long lastEventSeq) {
        this(clusters, jobs, events, lastEventSeq, List.of(), 0);
    }

    public static RegistryState empty() {
        return new RegistryState(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), 0);
    }

    public Optional<Cluster> cluster(String name) {
        return Optional.ofNullable(clusters.get(name));
    }

    public Optional<Job> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    public List<Event> events(String cluster) {
        return events.getOrDefault(cluster, List.of());
    }

    /** Every instance and proxy address registered in any cluster: one address, one role. */
    public java.util.Set<Address> addressesInUse() {
        java.util.Set<Address> used = new java.util.HashSet<>();
        for (Cluster c : clusters.values()) {
            c.instances().forEach(i -> used.add(i.address()));
            c.proxies().forEach(p -> used.add(p.listen()));
        }
        return used;
    }

    public List<Job> jobsOf(String cluster) {
        return jobs.values().stream().filter(j -> j.cluster().equals(cluster)).toList();
    }

    public RegistryState withCluster(Cluster c) {
        TreeMap<String, Cluster> m = new TreeMap<>(clusters);
        m.put(c.name(), c);
        return new RegistryState(m, jobs, events, lastEventSeq, audit, lastAuditSeq);
    }

    public RegistryState withoutCluster(String name) {
        TreeMap<String, Cluster> m = new TreeMap<>(clusters);
        m.remove(name);
        TreeMap<String, List<Event>> ev = new TreeMap<>(events);
        ev.remove(name);
        TreeMap<String, Job> j = new TreeMap<>(jobs);
        j.values().removeIf(job -> job.cluster().equals(name));
        return new RegistryState(m, j, ev, lastEventSeq, audit, lastAuditSeq);
    }

    public RegistryState withJob(Job job) {
        TreeMap<String, Job> m = new TreeMap<>(jobs);
        m.put(job.id(), job);
        return new RegistryState(clusters, m, events, lastEventSeq, audit, lastAuditSeq);
    }

    /** Appends an event to a cluster's log, dropping the oldest past the bound. */
    public RegistryState withEvent(String cluster, long atMillis, String type, String subject, String message) {
        long seq = lastEventSeq + 1;
        List<Event> list = new ArrayList<>(events.getOrDefault(cluster, List.of()));
        list.add(new Event(seq, atMillis, type, subject, message));
        if (list.size() > MAX_EVENTS_PER_CLUSTER) {
            list = list.subList(list.size() - MAX_EVENTS_PER_CLUSTER, list.size());
        }
        TreeMap<String, List<Event>> ev = new TreeMap<>(events);
        ev.put(cluster, list);
        return new RegistryState(clusters, jobs, ev, seq, audit, lastAuditSeq);
    }

    /** Appends a line to the audit log (numbered here), dropping the oldest past the bound. */
    public RegistryState withAudit(AuditEntry e) {
        long seq = lastAuditSeq + 1;
        List<AuditEntry> list = new ArrayList<>(audit);
        list.add(new AuditEntry(seq, e.atMillis(), e.who(), e.role(), e.from(), e.peer(), e.method(), e.path(), e.body(),
                e.status(), e.outcome(), e.message()));
        if (list.size() > MAX_AUDIT) {
            list = list.subList(list.size() - MAX_AUDIT, list.size());
        }
        return new RegistryState(clusters, jobs, events, lastEventSeq, list, seq);
    }
}
