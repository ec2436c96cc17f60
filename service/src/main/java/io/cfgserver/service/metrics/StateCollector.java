package io.cfgserver.service.metrics;

import io.cfgserver.registry.client.ProxyBarrier;
import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.controller.Controller;
import io.cfgserver.registry.controller.ProbeResult;
import io.cfgserver.registry.controller.Prober;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Job;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.RegistryState;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Gauges computed at scrape time from what this peer already knows: its Raft role and indexes, its
 * own probes of every instance, and the replicated topology (proxies, jobs, config drift). Nothing
 * here talks to Redis or to another peer; a scrape costs one walk over the local state.
 *
 * <p>Per-instance gauges come from this peer's prober, so every peer reports its own view (the
 * {@code cfgserver_registry_leader} gauge says which one acts on it).
 */
final class StateCollector implements MultiCollector {
    private final Supplier<RegistryInfo> info;
    private final Supplier<RegistryState> state;
    private final Prober prober; // null when the controller is disabled on this peer
    private final Controller controller; // likewise
    private final BooleanSupplier temporalReachable;
    private final Clock clock;
    private final LongSupplier nanos;

    /** The running jobs' copy progress (set once jobs exist; empty until then). */
    volatile Supplier<List<JobCopySampler.Sample>> jobCopies = List::of;

    StateCollector(Supplier<RegistryInfo> info, Supplier<RegistryState> state, Prober prober, Controller controller,
            BooleanSupplier temporalReachable, Clock clock, LongSupplier nanos) {
        this.info = info;
        this.state = state;
        this.prober = prober;
        this.controller = controller;
        this.temporalReachable = temporalReachable;
        this.clock = clock;
        this.nanos = nanos;
    }

    /** Gauge families in the order they are first named. */
    private static final class Families {
        private final Map<String, String> help = new LinkedHashMap<>();
        private final Map<String, GaugeSnapshot.Builder> builders = new LinkedHashMap<>();

        void add(String name, String helpText, double value, String... labels) {
            builders.computeIfAbsent(name, n -> {
                help.put(n, helpText);
                return GaugeSnapshot.builder().name(n).help(helpText);
            }).dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build());
        }

        MetricSnapshots build() {
            MetricSnapshots.Builder b = MetricSnapshots.builder();
            builders.values().forEach(g -> b.metricSnapshot(g.build()));
            return b.build();
        }
    }

    @Override
    public MetricSnapshots collect() {
        Families f = new Families();
        RegistryInfo i = info.get();
        String peer = i.peerId();
        f.add("cfgserver_registry_leader", "1 on the peer that leads the Raft group", "LEADER".equals(i.role()) ? 1 : 0,
                "peer", peer);
        f.add("cfgserver_registry_term", "the Raft term this peer is in", i.term(), "peer", peer);
        f.add("cfgserver_registry_commit_index", "the Raft log index this peer knows committed", i.commitIndex(),
                "peer", peer);
        f.add("cfgserver_registry_applied_index", "the Raft log index this peer's state machine applied",
                i.appliedIndex(), "peer", peer);
        f.add("cfgserver_registry_peers", "members of the Raft group as this peer knows them", i.peers().size(),
                "peer", peer);
        f.add("cfgserver_temporal_reachable", "1 when the Temporal service answers (jobs need it; failover does not)",
                temporalReachable.getAsBoolean() ? 1 : 0, "peer", peer);
        if (controller != null) {
            f.add("cfgserver_controller_active", "1 on the peer whose controller acts (the leader's)",
                    controller.active() ? 1 : 0, "peer", peer);
            f.add("cfgserver_controller_tilt", "1 while the controller acts on nothing (a late tick, a new leader)",
                    controller.tilted() ? 1 : 0, "peer", peer);
        }
        RegistryState s = state.get();
        long now = clock.millis();
        long nowNanos = nanos.getAsLong();
        for (Cluster c : s.clusters().values()) {
            String cl = c.name();
            f.add("cfgserver_cluster_topology_version", "the cluster's topology version (routing changes bump it)",
                    c.version(), "cluster", cl);
            f.add("cfgserver_cluster_groups", "groups in the cluster", c.groups().size(), "cluster", cl);
            f.add("cfgserver_cluster_migrating_slots", "slots moving between groups now",
                    c.migrations().stream().mapToLong(m -> m.to() - m.from() + 1L).sum(), "cluster", cl);
            for (Group g : c.groups()) {
                f.add("cfgserver_group_failover_in_progress", "1 while the group fails over or switches over",
                        g.failover() == null ? 0 : 1, "cluster", cl, "group", g.id());
                f.add("cfgserver_group_epoch", "the group's failover epoch (one more per failover)", g.epoch(),
                        "cluster", cl, "group", g.id());
                long masterOffset = offset(g.master()).orElse(-1L);
                for (Instance in : g.instances().toList()) {
                    boolean master = in.address().equals(g.master().address());
                    String[] l = {"cluster", cl, "group", g.id(), "instance", in.address().toString(), "role",
                        master ? "master" : "replica"};
                    f.add("cfgserver_instance_banned", "1 when the registry bans the replica from promotion",
                            in.banned() ? 1 : 0, l);
                    Optional<Prober.View> v = prober == null ? Optional.empty() : prober.view(in.address());
                    if (v.isEmpty() || v.get().last() == null) {
                        continue; // not probed (yet) by this peer
                    }
                    ProbeResult p = v.get().last();
                    f.add("cfgserver_instance_up", "1 when this peer's last probe of the instance was answered",
                            p.ok() ? 1 : 0, l);
                    f.add("cfgserver_instance_silent_seconds", "seconds since the instance last answered this peer",
                            v.get().silentNanos(nowNanos) / 1e9, l);
                    if (p.ok()) {
                        f.add("cfgserver_instance_role_matches", "1 when the role Redis reports is the one the registry"
                                + " gives it", master == p.isMaster() ? 1 : 0, l);
                        if (p.offset() >= 0) {
                            f.add("cfgserver_instance_replication_offset_bytes", "the instance's replication offset",
                                    p.offset(), l);
                        }
                        if (!master && p.offset() >= 0 && masterOffset >= 0) {
                            f.add("cfgserver_instance_replication_lag_bytes", "how far the replica is behind its master"
                                    + " (master offset minus its own, as last probed)",
                                    Math.max(0, masterOffset - p.offset()), l);
                        }
                        if (!master) {
                            f.add("cfgserver_instance_master_link_up", "1 when the replica's link to its master is up",
                                    p.linkUp() ? 1 : 0, l);
                        }
                    }
                    Prober.Usage u = v.get().usage();
                    if (u != null && p.ok()) { // a dead instance's last figures would mislead
                        if (u.usedMemoryBytes() >= 0) {
                            f.add("cfgserver_instance_used_memory_bytes", "used_memory from INFO memory (read every few"
                                    + " seconds)", u.usedMemoryBytes(), l);
                        }
                        if (u.maxMemoryBytes() >= 0) {
                            f.add("cfgserver_instance_maxmemory_bytes", "the instance's maxmemory (0: no limit)",
                                    u.maxMemoryBytes(), l);
                        }
                        if (u.connectedClients() >= 0) {
                            f.add("cfgserver_instance_connected_clients", "connected_clients from INFO clients",
                                    u.connectedClients(), l);
                        }
                    }
                }
            }
            for (Proxy px : c.proxies()) {
                String[] l = {"cluster", cl, "proxy", px.id()};
                f.add("cfgserver_proxy_versions_behind", "topology versions the proxy has not acked yet",
                        Math.max(0, c.version() - px.servedVersion()), l);
                f.add("cfgserver_proxy_lease_remaining_seconds", "seconds left on the proxy's lease (negative: expired)",
                        (px.leaseEndMillis() - now) / 1e3, l);
                ProxyBarrier.Standing st = ProxyBarrier.standing(c, px, now);
                for (ProxyBarrier.Standing each : ProxyBarrier.Standing.values()) {
                    f.add("cfgserver_proxy_standing", "1 for the proxy's standing (serving, lagging, ...)",
                            each == st ? 1 : 0, "cluster", cl, "proxy", px.id(), "standing",
                            each.name().toLowerCase(java.util.Locale.ROOT));
                }
            }
            Map<String, Integer> jobs = new TreeMap<>();
            for (Job j : s.jobsOf(cl)) {
                jobs.merge(j.type() + "\u0000" + j.state().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
            }
            for (String type : jobTypes(s, cl)) {
                for (JobState js : JobState.values()) {
                    String k = type + "\u0000" + js.name().toLowerCase(java.util.Locale.ROOT);
                    f.add("cfgserver_jobs", "jobs in the registry's catalog by type and state", jobs.getOrDefault(k, 0),
                            "cluster", cl, "type", type, "state", js.name().toLowerCase(java.util.Locale.ROOT));
                }
            }
            for (JobCopySampler.Sample j : jobCopies.get()) {
                if (!j.cluster().equals(cl)) {
                    continue;
                }
                String[] l = {"cluster", cl, "job", j.job(), "type", j.type()};
                f.add("cfgserver_job_keys_copied", "keys the running job's copy has copied (its last heartbeat)",
                        j.keysCopied(), l);
                f.add("cfgserver_job_keys_estimate", "keys the running job's copy expects to copy", j.keysEstimate(), l);
                f.add("cfgserver_job_bytes_copied", "bytes the running job's copy has copied", j.bytesCopied(), l);
                f.add("cfgserver_job_keys_per_second", "the running job's copy rate", j.keysPerSecond(), l);
            }
            f.add("cfgserver_config_pending", "1 when the newest config version is not rolled out",
                    c.config().current().version() != c.config().rolledOut() ? 1 : 0, "cluster", cl);
            f.add("cfgserver_config_rolled_out_version", "the config version last rolled out", c.config().rolledOut(),
                    "cluster", cl);
            f.add("cfgserver_config_drifted_instances", "instances whose managed Redis parameters differ from the"
                    + " rolled-out config", c.config().drift().size(), "cluster", cl);
            c.config().drift().forEach((addr, items) -> f.add("cfgserver_config_drifted_params",
                    "managed parameters that differ on the instance", items.size(), "cluster", cl, "instance", addr));
        }
        return f.build();
    }

    private static java.util.Set<String> jobTypes(RegistryState s, String cluster) {
        java.util.Set<String> types = new java.util.TreeSet<>();
        s.jobsOf(cluster).forEach(j -> types.add(j.type()));
        return types;
    }

    private Optional<Long> offset(Instance i) {
        if (prober == null) {
            return Optional.empty();
        }
        return prober.view(i.address()).map(Prober.View::last).filter(ProbeResult::ok).map(ProbeResult::offset);
    }
}
