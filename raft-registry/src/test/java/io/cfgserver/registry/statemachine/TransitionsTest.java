package io.cfgserver.registry.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.AddGroup;
import io.cfgserver.registry.command.ClearStale;
import io.cfgserver.registry.command.SetReplicaBanned;
import io.cfgserver.registry.command.RequestSwitchover;
import io.cfgserver.registry.command.EndFailover;
import io.cfgserver.registry.command.PromoteReplica;
import io.cfgserver.registry.command.BeginFailover;
import io.cfgserver.registry.command.AddProxy;
import io.cfgserver.registry.command.AddReplica;
import io.cfgserver.registry.command.AssignSlots;
import io.cfgserver.registry.command.BeginJob;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.DeleteCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.ProxySpec;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.RejectCode;
import io.cfgserver.registry.command.RemoveGroup;
import io.cfgserver.registry.command.RemoveProxy;
import io.cfgserver.registry.command.RemoveReplica;
import io.cfgserver.registry.command.RenewLease;
import io.cfgserver.registry.command.SetPolicy;
import io.cfgserver.registry.command.SetProxyListen;
import io.cfgserver.registry.command.UpdateJob;
import io.cfgserver.registry.statemachine.Transitions.Outcome;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.FailoverState;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.JobState;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.Proxy;
import io.cfgserver.registry.topology.ProxyFencing;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.registry.topology.SlotRange;
import io.cfgserver.registry.topology.Slots;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TransitionsTest {
    static final long T = 1_700_000_000_000L;

    static Address a(String s) {
        return Address.parse(s);
    }

    static GroupSpec g(String id, String master, String... replicas) {
        return new GroupSpec(id, a(master), java.util.Arrays.stream(replicas).map(Address::parse).toList());
    }

    static RegistryState demo() {
        return ok(RegistryState.empty(), new CreateCluster("demo",
                List.of(g("g1", "127.0.0.1:7001", "127.0.0.1:7002"), g("g2", "127.0.0.1:7011", "127.0.0.1:7012"),
                        g("g3", "127.0.0.1:7021")),
                List.of(new ProxySpec("p1", a("127.0.0.1:22121"))), T));
    }

    static RegistryState ok(RegistryState s, Command c) {
        Outcome o = Transitions.apply(s, c);
        assertThat(o.result().ok()).as("result of %s: %s", c, o.result().message()).isTrue();
        return o.state();
    }

    static void rejects(RegistryState s, Command c, RejectCode code, String messagePart) {
        Outcome o = Transitions.apply(s, c);
        assertThat(o.result().ok()).as("%s should be rejected", c).isFalse();
        assertThat(o.result().code()).isEqualTo(code);
        assertThat(o.result().message()).contains(messagePart);
        assertThat(o.state()).as("a rejected command changes nothing").isSameAs(s);
    }

    @Test
    void createsClusterWithSlotsSpreadInContiguousNearEqualRanges() {
        Cluster c = demo().cluster("demo").orElseThrow();
        assertThat(c.version()).isEqualTo(1);
        assertThat(c.slots().runs()).containsExactly(new SlotRange(0, 340, "g1"), new SlotRange(341, 681, "g2"),
                new SlotRange(682, 1023, "g3"));
        assertThat(c.groups()).extracting(gr -> gr.master().address().toString())
                .containsExactly("127.0.0.1:7001", "127.0.0.1:7011", "127.0.0.1:7021");
        assertThat(c.proxies()).singleElement().satisfies(p -> assertThat(p.servedVersion()).isZero());
        assertThat(demo().events("demo")).extracting(e -> e.type()).containsExactly("+cluster-created");
    }

    @Test
    void rejectsBadClusters() {
        RegistryState s = demo();
        rejects(s, new CreateCluster("demo", List.of(g("x", "127.0.0.1:9000")), List.of(), T), RejectCode.CONFLICT, "exists already");
        rejects(s, new CreateCluster("Bad Name", List.of(g("x", "127.0.0.1:9000")), List.of(), T), RejectCode.INVALID, "cluster name");
        rejects(s, new CreateCluster("c2", List.of(), List.of(), T), RejectCode.INVALID, "at least one group");
        rejects(s, new CreateCluster("c2", List.of(new GroupSpec("x", null, List.of())), List.of(), T), RejectCode.INVALID, "no master");
        rejects(s, new CreateCluster("c2", List.of(g("x", "127.0.0.1:7001")), List.of(), T), RejectCode.CONFLICT, "already used");
        rejects(s, new CreateCluster("c2", List.of(g("x", "127.0.0.1:9000"), g("y", "127.0.0.1:9000")), List.of(), T),
                RejectCode.CONFLICT, "already used");
        rejects(s, new CreateCluster("c2", List.of(g("x", "127.0.0.1:9000"), g("x", "127.0.0.1:9001")), List.of(), T),
                RejectCode.INVALID, "appears twice");
        rejects(s, new CreateCluster("c2", List.of(g("x", "127.0.0.1:9000", "127.0.0.1:9000")), List.of(), T),
                RejectCode.INVALID, "appears twice");
        rejects(s, new CreateCluster("c2", List.of(g("x", "127.0.0.1:9000")),
                List.of(new ProxySpec("p", a("127.0.0.1:9000"))), T), RejectCode.CONFLICT, "already in use");
        rejects(s, new CreateCluster("c2", List.of(g("x", "127.0.0.1:9000")),
                List.of(new ProxySpec("p", a("127.0.0.1:9100")), new ProxySpec("p", a("127.0.0.1:9101"))), T),
                RejectCode.INVALID, "appears twice");
    }

    @Test
    void deletesClusterUnlessAJobRuns() {
        RegistryState s = ok(demo(), new BeginJob("demo", "j1", "add-replica", "j1", Map.of(), true, T));
        rejects(s, new DeleteCluster("demo", T), RejectCode.CONFLICT, "cancel it");
        s = ok(s, new UpdateJob("demo", "j1", JobState.SUCCEEDED, "", T));
        RegistryState gone = ok(s, new DeleteCluster("demo", T));
        assertThat(gone.clusters()).isEmpty();
        assertThat(gone.jobs()).isEmpty();
        assertThat(gone.events("demo")).isEmpty();
        rejects(gone, new DeleteCluster("demo", T), RejectCode.NOT_FOUND, "does not exist");
    }

    @Test
    void addsAndRemovesGroups() {
        RegistryState s = ok(demo(), new AddGroup("demo", g("g4", "127.0.0.1:7031", "127.0.0.1:7032"), T));
        Cluster c = s.cluster("demo").orElseThrow();
        assertThat(c.version()).isEqualTo(2);
        assertThat(c.slots().countByGroup()).doesNotContainKey("g4");
        rejects(s, new AddGroup("demo", g("g4", "127.0.0.1:7041"), T), RejectCode.CONFLICT, "exists already");
        rejects(s, new AddGroup("demo", g("g5", "127.0.0.1:7031"), T), RejectCode.CONFLICT, "already used");
        rejects(s, new AddGroup("nope", g("g5", "127.0.0.1:7041"), T), RejectCode.NOT_FOUND, "does not exist");
        rejects(s, new RemoveGroup("demo", "g1", T), RejectCode.CONFLICT, "still owns 341 slots");
        rejects(s, new RemoveGroup("demo", "zz", T), RejectCode.NOT_FOUND, "not in");
        RegistryState removed = ok(s, new RemoveGroup("demo", "g4", T));
        assertThat(removed.cluster("demo").orElseThrow().group("g4")).isEmpty();
        assertThat(removed.cluster("demo").orElseThrow().version()).isEqualTo(3);
        // the freed addresses can be used again
        ok(removed, new AddGroup("demo", g("g5", "127.0.0.1:7031"), T));
    }

    @Test
    void addsAndRemovesReplicas() {
        RegistryState s = ok(demo(), new AddReplica("demo", "g3", a("127.0.0.1:7022"), null, "eu", T));
        var g3 = s.cluster("demo").orElseThrow().group("g3").orElseThrow();
        assertThat(g3.replicas()).singleElement().satisfies(r -> {
            assertThat(r.priority()).isEqualTo(100);
            assertThat(r.region()).isEqualTo("eu");
            assertThat(r.banned()).isFalse();
        });
        rejects(s, new AddReplica("demo", "g3", a("127.0.0.1:7022"), null, null, T), RejectCode.CONFLICT, "already registered");
        rejects(s, new AddReplica("demo", "g3", a("127.0.0.1:7001"), null, null, T), RejectCode.CONFLICT, "already registered");
        rejects(s, new AddReplica("demo", "gx", a("127.0.0.1:7099"), null, null, T), RejectCode.NOT_FOUND, "not in");
        rejects(s, new AddReplica("demo", "g3", a("127.0.0.1:7099"), -1, null, T), RejectCode.INVALID, "priority");
        rejects(s, new AddReplica("demo", "g3", null, null, null, T), RejectCode.INVALID, "address is missing");
        rejects(s, new RemoveReplica("demo", "g3", a("127.0.0.1:7021"), T), RejectCode.CONFLICT, "is the master");
        rejects(s, new RemoveReplica("demo", "g3", a("127.0.0.1:7099"), T), RejectCode.NOT_FOUND, "not a replica");
        RegistryState r = ok(s, new RemoveReplica("demo", "g3", a("127.0.0.1:7022"), T));
        assertThat(r.cluster("demo").orElseThrow().group("g3").orElseThrow().replicas()).isEmpty();
    }

    @Test
    void addsAndRemovesProxies() {
        RegistryState s = ok(demo(), new AddProxy("demo", new ProxySpec("p2", a("127.0.0.1:22122")), T));
        assertThat(s.cluster("demo").orElseThrow().proxies()).hasSize(2);
        rejects(s, new AddProxy("demo", new ProxySpec("p2", a("127.0.0.1:22123")), T), RejectCode.CONFLICT, "exists already");
        rejects(s, new AddProxy("demo", new ProxySpec("p3", a("127.0.0.1:22122")), T), RejectCode.CONFLICT, "already in use");
        rejects(s, new AddProxy("demo", new ProxySpec("bad id!", a("127.0.0.1:22124")), T), RejectCode.INVALID, "proxy id");
        rejects(s, new AddProxy("demo", null, T), RejectCode.INVALID, "proxy is missing");
        rejects(s, new RemoveProxy("demo", "p9", T), RejectCode.NOT_FOUND, "not in");
        assertThat(ok(s, new RemoveProxy("demo", "p2", T)).cluster("demo").orElseThrow().proxies()).hasSize(1);
        RegistryState moved = ok(s, new SetProxyListen("demo", "p2", a("127.0.0.1:22130"), T));
        assertThat(moved.cluster("demo").orElseThrow().proxy("p2").orElseThrow().listen()).isEqualTo(a("127.0.0.1:22130"));
        assertThat(moved.cluster("demo").orElseThrow().version()).isEqualTo(3);
        rejects(s, new SetProxyListen("demo", "p2", a("127.0.0.1:7001"), T), RejectCode.CONFLICT, "already in use");
        rejects(s, new SetProxyListen("demo", "p9", a("127.0.0.1:22131"), T), RejectCode.NOT_FOUND, "not in");
    }

    @Test
    void setsPolicyWithoutBumpingTheVersion() {
        Policy off = new Policy(false, false, 5000, 1, 60_000, 0.3, 1024, 1, 10, ProxyFencing.OFF);
        RegistryState s = ok(demo(), new SetPolicy("demo", off, T));
        assertThat(s.cluster("demo").orElseThrow().policy()).isEqualTo(off);
        assertThat(s.cluster("demo").orElseThrow().version()).isEqualTo(1);
        rejects(s, new SetPolicy("demo", new Policy(true, true, 10, -1, 0, 2, -1, -1, 0, null), T), RejectCode.INVALID,
                "downAfterMillis must be between");
        rejects(s, new SetPolicy("demo", null, T), RejectCode.INVALID, "policy is missing");
    }

    @Test
    void assignsSlotsCoveringAllSlotsExactlyOnce() {
        RegistryState s = ok(demo(), new AssignSlots("demo", List.of(new SlotRange(0, 99, "g2"),
                new SlotRange(100, 1000, "g1"), new SlotRange(1001, 1023, "g2")), T));
        Cluster c = s.cluster("demo").orElseThrow();
        assertThat(c.version()).isEqualTo(2);
        assertThat(c.slots().owner(0)).isEqualTo("g2");
        assertThat(c.slots().owner(500)).isEqualTo("g1");
        assertThat(c.slots().countByGroup()).containsEntry("g2", 123).containsEntry("g1", 901).doesNotContainKey("g3");
        // the same map again changes nothing, not even the version
        assertThat(ok(s, new AssignSlots("demo", c.slots().runs(), T)).cluster("demo").orElseThrow().version()).isEqualTo(2);
        rejects(s, new AssignSlots("demo", List.of(new SlotRange(0, 600, "g1"), new SlotRange(500, 1023, "g2")), T),
                RejectCode.INVALID, "overlap");
        rejects(s, new AssignSlots("demo", List.of(new SlotRange(0, 600, "g1")), T), RejectCode.INVALID, "incomplete");
        rejects(s, new AssignSlots("demo", List.of(new SlotRange(0, 1024, "g1")), T), RejectCode.INVALID, "invalid");
        rejects(s, new AssignSlots("demo", List.of(new SlotRange(5, 1, "g1")), T), RejectCode.INVALID, "invalid");
        rejects(s, new AssignSlots("demo", List.of(new SlotRange(0, 1023, "gx")), T), RejectCode.NOT_FOUND, "group-[gx]");
        rejects(s, new AssignSlots("demo", List.of(), T), RejectCode.INVALID, "missing");
    }

    @Test
    void holdsOneTopologyChangingJobPerCluster() {
        RegistryState s = ok(demo(), new BeginJob("demo", "j1", "add-replica", "j1", Map.of("group", "g1"), true, T));
        rejects(s, new BeginJob("demo", "j2", "add-replica", "j2", Map.of(), true, T), RejectCode.CONFLICT, "one topology-changing job");
        rejects(s, new BeginJob("demo", "j1", "migrate-slots", "j1", Map.of(), false, T), RejectCode.CONFLICT, "exists already");
        rejects(s, new BeginJob("demo", "j1", "add-replica", "other-workflow", Map.of(), true, T), RejectCode.CONFLICT,
                "exists already");
        // the workflow entering the job the REST service entered for it (or a retried activity): no change
        assertThat(ok(s, new BeginJob("demo", "j1", "add-replica", "j1", Map.of(), true, T + 5))).isEqualTo(s);
        rejects(s, new BeginJob("demo", "j 3", "add-replica", "j3", Map.of(), false, T), RejectCode.INVALID, "job id");
        rejects(s, new BeginJob("demo", "j3", "Add Replica", "j3", Map.of(), false, T), RejectCode.INVALID, "job type");
        RegistryState readOnly = ok(s, new BeginJob("demo", "j3", "config-check", "j3", Map.of(), false, T));
        assertThat(readOnly.job("j3").orElseThrow().state()).isEqualTo(JobState.RUNNING);
        RegistryState paused = ok(s, new UpdateJob("demo", "j1", JobState.PAUSED, "by operator", T + 1));
        assertThat(paused.job("j1").orElseThrow().state()).isEqualTo(JobState.PAUSED);
        RegistryState done = ok(paused, new UpdateJob("demo", "j1", JobState.SUCCEEDED, "", T + 2));
        assertThat(done.job("j1").orElseThrow().updatedMillis()).isEqualTo(T + 2);
        // finishing twice the same way is fine (activities retry); changing a finished job is not
        assertThat(ok(done, new UpdateJob("demo", "j1", JobState.SUCCEEDED, "", T + 3))).isSameAs(done);
        rejects(done, new UpdateJob("demo", "j1", JobState.FAILED, "", T), RejectCode.CONFLICT, "has finished");
        rejects(done, new UpdateJob("demo", "nope", JobState.FAILED, "", T), RejectCode.NOT_FOUND, "does not exist");
        // the lock is free again
        ok(done, new BeginJob("demo", "j2", "add-replica", "j2", Map.of(), true, T));
        // a finished job cannot be entered again
        rejects(done, new BeginJob("demo", "j1", "add-replica", "j1", Map.of(), true, T), RejectCode.CONFLICT, "exists already");
        assertThat(done.events("demo")).extracting(e -> e.type()).contains("+job-start", "+job-pause", "+job-done");
    }

    @Test
    void recordsEventsInABoundedLog() {
        RegistryState s = demo();
        for (int i = 0; i < RegistryState.MAX_EVENTS_PER_CLUSTER + 5; i++) {
            s = ok(s, new RecordEvent("demo", "+sdown", "instance-[127.0.0.1:7001]", "n" + i, T + i));
        }
        assertThat(s.events("demo")).hasSize(RegistryState.MAX_EVENTS_PER_CLUSTER);
        assertThat(s.events("demo").get(RegistryState.MAX_EVENTS_PER_CLUSTER - 1).message())
                .isEqualTo("n" + (RegistryState.MAX_EVENTS_PER_CLUSTER + 4));
        assertThat(s.lastEventSeq()).isEqualTo(RegistryState.MAX_EVENTS_PER_CLUSTER + 6);
        rejects(s, new RecordEvent("demo", "sdown", "x", "", T), RejectCode.INVALID, "+name or -name");
        rejects(s, new RecordEvent("nope", "+sdown", "x", "", T), RejectCode.NOT_FOUND, "does not exist");
    }

    @Test
    void renewsLeasesAndRecordsAcksWithoutBumpingTheVersion() {
        RegistryState s = ok(demo(), new RenewLease("demo", "p1", 1, T + 5000, T));
        var p = s.cluster("demo").orElseThrow().proxy("p1").orElseThrow();
        assertThat(p.servedVersion()).isEqualTo(1);
        assertThat(p.lastAckMillis()).isEqualTo(T);
        assertThat(p.leaseEndMillis()).isEqualTo(T + 5000);
        assertThat(s.cluster("demo").orElseThrow().version()).isEqualTo(1);
        // a renewal of the same version moves the lease, not the ack time; a lease never shrinks
        RegistryState s2 = ok(s, new RenewLease("demo", "p1", 1, T + 4000, T + 100));
        assertThat(s2.cluster("demo").orElseThrow().proxy("p1").orElseThrow().leaseEndMillis()).isEqualTo(T + 5000);
        assertThat(s2.cluster("demo").orElseThrow().proxy("p1").orElseThrow().lastAckMillis()).isEqualTo(T);
        assertThat(s2.events("demo")).extracting(e -> e.type()).containsOnlyOnce("+proxy-ack");
        rejects(s, new RenewLease("demo", "p1", 2, T + 5000, T), RejectCode.INVALID, "is at version 1");
        rejects(s, new RenewLease("demo", "p1", 1, T - 1, T), RejectCode.INVALID, "before the renewal");
        rejects(s, new RenewLease("demo", "p9", 1, T + 1, T), RejectCode.NOT_FOUND, "not in");
    }

    @Test
    void aRenewalRecordsHowLongItsNutcrackerMayServeUnattended() {
        RegistryState s = ok(demo(), new RenewLease("demo", "p1", 1, T + 3000, T, T + 30_000, 6000));
        var p = s.cluster("demo").orElseThrow().proxy("p1").orElseThrow();
        assertThat(p.unattendedEndMillis()).isEqualTo(T + 30_000);
        assertThat(p.evidenceVouchMillis()).isEqualTo(6000);
        // an agent restarted with a shorter unattendedMillis: the earlier vouch still stands
        RegistryState s2 = ok(s, new RenewLease("demo", "p1", 1, T + 4000, T + 1000, T + 11_000, 4000));
        var p2 = s2.cluster("demo").orElseThrow().proxy("p1").orElseThrow();
        assertThat(p2.unattendedEndMillis()).isEqualTo(T + 30_000);
        assertThat(p2.evidenceVouchMillis()).isEqualTo(4000);
        // a renewal that does not say (an older agent): the agent's default, for its renewal and its rounds
        RegistryState s3 = ok(s2, new RenewLease("demo", "p1", 1, T + 5000, T + 2000));
        var p3 = s3.cluster("demo").orElseThrow().proxy("p1").orElseThrow();
        assertThat(p3.unattendedEndMillis()).isEqualTo(T + 5000 + Proxy.DEFAULT_UNATTENDED_MILLIS);
        assertThat(p3.evidenceVouchMillis()).isEqualTo(Proxy.DEFAULT_UNATTENDED_MILLIS);
        rejects(s, new RenewLease("demo", "p1", 1, T + 3000, T, T + 2000, 6000), RejectCode.INVALID, "before the lease end");
        rejects(s, new RenewLease("demo", "p1", 1, T + 3000, T, T + 30_000, -1), RejectCode.INVALID, "evidenceVouchMillis");
    }

    @Test
    void aSilentProxyMayServeItsOldMapUntilTheLatestOfItsVouches() {
        long stamp = T + 100_000;
        // died right after a renewal, long before the stamp: the renewal's vouch has run out; a living
        // agent would have fenced by the stamp + grace
        Proxy longDead = new Proxy("p1", Address.parse("127.0.0.1:22121"), 1, T, T + 3000, Map.of(), 0, T + 30_000, 6000);
        assertThat(longDead.mayServeOldMapUntil(stamp, 3000)).isEqualTo(stamp + 6000);
        // died just before the stamp: its renewal's vouch is the latest
        Proxy justDead = new Proxy("p1", Address.parse("127.0.0.1:22121"), 1, stamp - 1000, stamp + 2000, Map.of(), 0,
                stamp + 29_000, 6000);
        assertThat(justDead.mayServeOldMapUntil(stamp, 3000)).isEqualTo(stamp + 29_000);
        // lease still running past the stamp, short vouches: the lease end + grace is the latest
        Proxy live = new Proxy("p1", Address.parse("127.0.0.1:22121"), 1, stamp - 500, stamp + 2500, Map.of(), 0,
                stamp + 2600, 1000);
        assertThat(live.mayServeOldMapUntil(stamp, 3000)).isEqualTo(stamp + 5500);
        // an agent that never said: the default unattendedMillis, both for its renewal and its rounds
        Proxy unknown = new Proxy("p1", Address.parse("127.0.0.1:22121"), 1, T, T + 3000);
        assertThat(unknown.mayServeOldMapUntil(stamp, 3000)).isEqualTo(stamp + Proxy.DEFAULT_UNATTENDED_MILLIS);
        assertThat(Proxy.evidenceVouchMillis(3000, 30_000)).isEqualTo(30_000);
        assertThat(Proxy.evidenceVouchMillis(3000, 4000)).isEqualTo(4000);
    }

    static Group g1(RegistryState s) {
        return s.cluster("demo").orElseThrow().group("g1").orElseThrow();
    }

    @Test
    void failsOverThroughPersistedStepsAndKeepsTheOldMasterStaleAndBanned() {
        RegistryState s0 = ok(demo(), new AddReplica("demo", "g1", a("127.0.0.1:7003"), null, null, T));
        long v0 = s0.cluster("demo").orElseThrow().version();
        rejects(s0, new BeginFailover("demo", "g1", 2, a("127.0.0.1:7002"), "x", T), RejectCode.CONFLICT, "next epoch");
        rejects(s0, new BeginFailover("demo", "g1", 1, a("127.0.0.1:7011"), "x", T), RejectCode.NOT_FOUND, "not a replica");
        rejects(s0, new PromoteReplica("demo", "g1", 1, T), RejectCode.CONFLICT, "no failover");
        RegistryState s1 = ok(s0, new BeginFailover("demo", "g1", 1, a("127.0.0.1:7002"), "odown 3/3", T));
        assertThat(g1(s1).failover().state()).isEqualTo(FailoverState.PROMOTING);
        assertThat(s1.cluster("demo").orElseThrow().version()).as("intent changes no routing").isEqualTo(v0);
        rejects(s1, new BeginFailover("demo", "g1", 1, a("127.0.0.1:7003"), "x", T), RejectCode.CONFLICT, "already has");
        rejects(s1, new EndFailover("demo", "g1", 1, false, "done", T), RejectCode.CONFLICT, "before the new master");
        RegistryState s2 = ok(s1, new PromoteReplica("demo", "g1", 1, T + 10));
        Group g = g1(s2);
        assertThat(g.master().address()).isEqualTo(a("127.0.0.1:7002"));
        assertThat(g.epoch()).isEqualTo(1);
        assertThat(g.failover().state()).isEqualTo(FailoverState.REPOINTING);
        assertThat(g.replica(a("127.0.0.1:7001")).orElseThrow()).satisfies(old -> {
            assertThat(old.stale()).isTrue();
            assertThat(old.banned()).isTrue();
        });
        assertThat(s2.cluster("demo").orElseThrow().version()).isEqualTo(v0 + 1);
        assertThat(ok(s2, new PromoteReplica("demo", "g1", 1, T + 11))).as("idempotent").isSameAs(s2);
        rejects(s2, new EndFailover("demo", "g1", 1, true, "timeout", T), RejectCode.CONFLICT, "new master is committed");
        rejects(s2, new SetReplicaBanned("demo", "g1", a("127.0.0.1:7001"), false, "", T), RejectCode.CONFLICT, "not been demoted");
        RegistryState s3 = ok(s2, new EndFailover("demo", "g1", 1, false, "done", T + 20));
        assertThat(g1(s3).failover()).isNull();
        assertThat(g1(s3).history()).singleElement().satisfies(h -> {
            assertThat(h.outcome()).isEqualTo("done");
            assertThat(h.from()).isEqualTo(a("127.0.0.1:7001"));
            assertThat(h.endedMillis()).isEqualTo(T + 20);
        });
        RegistryState s4 = ok(s3, new ClearStale("demo", "g1", a("127.0.0.1:7001"), T));
        RegistryState s5 = ok(s4, new SetReplicaBanned("demo", "g1", a("127.0.0.1:7001"), false, "caught up", T));
        assertThat(g1(s5).replica(a("127.0.0.1:7001")).orElseThrow().promotable()).isTrue();
        assertThat(s5.events("demo")).extracting(e -> e.type()).contains("+failover-start", "+promoted",
                "+switch-master", "+failover-end", "+demoted", "-ban");
    }

    @Test
    void abortsOnlyBeforeTheCommitPointAndRecordsWhy() {
        RegistryState s1 = ok(demo(), new BeginFailover("demo", "g1", 1, a("127.0.0.1:7002"), "odown", T));
        RegistryState aborted = ok(s1, new EndFailover("demo", "g1", 1, true, "promotion-failed", T));
        assertThat(g1(aborted).failover()).isNull();
        assertThat(g1(aborted).epoch()).isZero();
        assertThat(g1(aborted).master().address()).isEqualTo(a("127.0.0.1:7001"));
        assertThat(aborted.events("demo")).extracting(e -> e.type()).contains("-failover-abort-promotion-failed");
    }

    @Test
    void requestsASwitchoverOnlyToAPromotableReplica() {
        RegistryState s = demo();
        rejects(s, new RequestSwitchover("demo", "g3", null, T), RejectCode.CONFLICT, "no replica that can be promoted");
        rejects(s, new RequestSwitchover("demo", "g1", a("127.0.0.1:7001"), T), RejectCode.CONFLICT, "already the master");
        rejects(s, new RequestSwitchover("demo", "g1", a("127.0.0.1:7099"), T), RejectCode.NOT_FOUND, "not a replica");
        RegistryState banned = ok(s, new SetReplicaBanned("demo", "g1", a("127.0.0.1:7002"), true, "lags", T));
        rejects(banned, new RequestSwitchover("demo", "g1", a("127.0.0.1:7002"), T), RejectCode.CONFLICT, "cannot be promoted");
        RegistryState req = ok(s, new RequestSwitchover("demo", "g1", null, T));
        assertThat(g1(req).failover().state()).isEqualTo(FailoverState.SWITCHOVER_REQUESTED);
        assertThat(g1(req).failover().planned()).isTrue();
        rejects(req, new RequestSwitchover("demo", "g1", null, T), RejectCode.CONFLICT, "in progress");
        RegistryState begun = ok(req, new BeginFailover("demo", "g1", 1, a("127.0.0.1:7002"), "switchover", T));
        assertThat(g1(begun).failover().planned()).isTrue();
        assertThat(begun.events("demo")).extracting(e -> e.type()).contains("+switchover-requested", "+switchover-start");
    }

    @Test
    void rejectsAMissingCommand() {
        Outcome o = Transitions.apply(RegistryState.empty(), null);
        assertThat(o.result().code()).isEqualTo(RejectCode.INVALID);
    }

    @Test
    void commandsAndStateRoundTripThroughJson() {
        List<Command> commands = List.of(
                new CreateCluster("demo", List.of(g("g1", "127.0.0.1:7001", "127.0.0.1:7002")),
                        List.of(new ProxySpec("p1", a("127.0.0.1:22121"))), T),
                new AddReplica("demo", "g1", a("127.0.0.1:7003"), 5, "eu", T),
                new AssignSlots("demo", List.of(new SlotRange(0, 1023, "g1")), T),
                new BeginJob("demo", "j1", "add-replica", "j1", Map.of("group", "g1"), true, T),
                new UpdateJob("demo", "j1", JobState.FAILED, "x", T),
                new SetPolicy("demo", Policy.defaults(), T));
        for (Command c : commands) {
            byte[] bytes = Json.write(c);
            assertThat(new String(bytes)).contains("\"type\":\"" + c.getClass().getSimpleName() + "\"");
            assertThat(Json.read(bytes, Command.class)).isEqualTo(c);
        }
        RegistryState s = ok(ok(demo(), new BeginJob("demo", "j1", "add-replica", "j1", Map.of("k", "v"), true, T)),
                new AssignSlots("demo", List.of(new SlotRange(0, 9, "g2"), new SlotRange(10, 1023, "g1")), T));
        assertThat(Json.read(Json.write(s), RegistryState.class)).isEqualTo(s);
    }

    @Test
    void slotFunctionUsesTheHashTagWhenItIsNonEmpty() {
        assertThat(Slots.slot("{user1000}.following")).isEqualTo(Slots.slot("user1000"));
        assertThat(Slots.slot("foo{}{bar}")).isEqualTo(Slots.slot("foo{}{bar}".getBytes()));
        assertThat(Slots.slot("foo{}{bar}")).isNotEqualTo(Slots.slot("bar"));
        assertThat(Slots.slot("foo{bar}{zap}")).isEqualTo(Slots.slot("bar"));
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update("hello".getBytes());
        assertThat(Slots.slot("hello")).isEqualTo((int) (crc.getValue() % 1024));
    }
}
