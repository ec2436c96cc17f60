package io.cfgserver.registry.topology;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * One cluster: its groups, slot map, proxies, policy, the slot migrations in progress and its desired
 * configuration.
 * {@code version} is the topology version: it grows with every change of groups, instances, slots
 * or proxies, never with policy, configuration, acks, events or the progress of a migration (its commit moves
 * slots, and so bumps it).
 */
public record Cluster(
        String name,
        long version,
        List<Group> groups,
        SlotMap slots,
        List<Proxy> proxies,
        Policy policy,
        long createdMillis,
        List<Migration> migrations,
        ClusterConfig config,
        List<Maintenance> maintenance) {

    @JsonCreator
    public Cluster {
        groups = List.copyOf(groups);
        proxies = List.copyOf(proxies);
        migrations = migrations == null ? List.of() : List.copyOf(migrations);
        // clusters stored before configuration management have none
        config = config == null ? ClusterConfig.empty() : config;
        maintenance = maintenance == null ? List.of() : List.copyOf(maintenance);
    }

    public Cluster(String name, long version, List<Group> groups, SlotMap slots, List<Proxy> proxies, Policy policy,
            long createdMillis, List<Migration> migrations, ClusterConfig config) {
        this(name, version, groups, slots, proxies, policy, createdMillis, migrations, config, List.of());
    }

    public Cluster(String name, long version, List<Group> groups, SlotMap slots, List<Proxy> proxies, Policy policy,
            long createdMillis) {
        this(name, version, groups, slots, proxies, policy, createdMillis, List.of(), ClusterConfig.empty(), List.of());
    }

    public Optional<Migration> migration(String job) {
        return migrations.stream().filter(m -> m.job().equals(job)).findFirst();
    }

    public Cluster withMigrations(List<Migration> next) {
        return new Cluster(name, version, groups, slots, proxies, policy, createdMillis, next, config, maintenance);
    }

    public Optional<Group> group(String id) {
        return groups.stream().filter(g -> g.id().equals(id)).findFirst();
    }

    public Optional<Proxy> proxy(String id) {
        return proxies.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    public Stream<Instance> instances() {
        return groups.stream().flatMap(Group::instances);
    }

    public Cluster withGroups(List<Group> newGroups) {
        return new Cluster(name, version, newGroups, slots, proxies, policy, createdMillis, migrations, config, maintenance);
    }

    public Cluster mapGroup(String id, UnaryOperator<Group> f) {
        return withGroups(groups.stream().map(g -> g.id().equals(id) ? f.apply(g) : g).toList());
    }

    public Cluster plusGroup(Group g) {
        List<Group> list = new ArrayList<>(groups);
        list.add(g);
        return withGroups(list);
    }

    public Cluster withSlots(SlotMap newSlots) {
        return new Cluster(name, version, groups, newSlots, proxies, policy, createdMillis, migrations, config, maintenance);
    }

    public Cluster withProxies(List<Proxy> newProxies) {
        return new Cluster(name, version, groups, slots, newProxies, policy, createdMillis, migrations, config, maintenance);
    }

    public Cluster mapProxy(String id, UnaryOperator<Proxy> f) {
        return withProxies(proxies.stream().map(p -> p.id().equals(id) ? f.apply(p) : p).toList());
    }

    public Cluster withPolicy(Policy newPolicy) {
        return new Cluster(name, version, groups, slots, proxies, newPolicy, createdMillis, migrations, config, maintenance);
    }

    public Cluster withConfig(ClusterConfig next) {
        return new Cluster(name, version, groups, slots, proxies, policy, createdMillis, migrations, next, maintenance);
    }

    /** The group an instance belongs to, if any. */
    public Optional<Group> groupOf(Address instance) {
        return groups.stream().filter(g -> g.instances().anyMatch(i -> i.address().equals(instance))).findFirst();
    }

    public Cluster bumpVersion() {
        return new Cluster(name, version + 1, groups, slots, proxies, policy, createdMillis, migrations, config, maintenance);
    }

    public Cluster withMaintenance(List<Maintenance> next) {
        return new Cluster(name, version, groups, slots, proxies, policy, createdMillis, migrations, config, next);
    }

    /** The window on {@code target} (a group id or host:port) active at {@code nowMillis}, if any. */
    public Optional<Maintenance> maintenanceOf(String target, long nowMillis) {
        return maintenance.stream().filter(m -> m.target().equals(target) && m.activeAt(nowMillis)).findFirst();
    }

    /**
     * Why automatic failover of {@code group} is suspended at {@code nowMillis}: a window on the group or on
     * its master; empty when none is.
     */
    public Optional<Maintenance> failoverSuspended(Group group, long nowMillis) {
        return maintenanceOf(group.id(), nowMillis).or(() -> maintenanceOf(group.master().address().toString(), nowMillis));
    }

    /** Whether {@code instance} of {@code group} is in a window (its own or its group's) at {@code nowMillis}. */
    public boolean inMaintenance(Group group, Address instance, long nowMillis) {
        return maintenanceOf(group.id(), nowMillis).isPresent() || maintenanceOf(instance.toString(), nowMillis).isPresent();
    }

    public String logId() {
        return "cluster-[" + name + "]";
    }
}
