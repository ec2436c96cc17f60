package io.cfgserver.registry.statemachine;

import static io.cfgserver.registry.statemachine.TransitionsTest.demo;
import static io.cfgserver.registry.statemachine.TransitionsTest.ok;
import static io.cfgserver.registry.statemachine.TransitionsTest.rejects;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.ConfigPatch;
import io.cfgserver.registry.command.MarkConfigRolledOut;
import io.cfgserver.registry.command.PatchConfig;
import io.cfgserver.registry.command.PatchPolicy;
import io.cfgserver.registry.command.RejectCode;
import io.cfgserver.registry.command.RollbackConfig;
import io.cfgserver.registry.command.SetConfigDrift;
import io.cfgserver.registry.command.SetProxySettings;
import io.cfgserver.registry.command.AddProxy;
import io.cfgserver.registry.command.ProxySpec;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.ClusterConfig;
import io.cfgserver.registry.topology.ConfigDrift;
import io.cfgserver.registry.topology.ConfigVersion;
import io.cfgserver.registry.topology.RegistryState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTransitionsTest {
    static final long T = 1_000;
    static final Address R1 = Address.parse("127.0.0.1:7002");

    static ConfigPatch redis(Map<String, String> values) {
        return new ConfigPatch(values, Map.of(), Map.of(), Map.of());
    }

    /** CONFIG GET forms as a Redis would give them ({@code 256mb} -> bytes). */
    static Map<String, String> canonical(ConfigPatch p) {
        Map<String, String> c = new HashMap<>();
        List<Map<String, String>> levels = new java.util.ArrayList<>();
        levels.add(p.redis());
        p.groups().values().forEach(levels::add);
        p.instances().values().forEach(levels::add);
        for (Map<String, String> m : levels) {
            if (m != null) {
                m.forEach((k, v) -> {
                    if (v != null) {
                        c.put(ConfigVersion.canonicalKey(k, v), v.endsWith("mb")
                                ? Long.toString(Long.parseLong(v.replace("mb", "")) * 1024 * 1024) : v);
                    }
                });
            }
        }
        return c;
    }

    static RegistryState put(RegistryState s, ConfigPatch p) {
        return ok(s, new PatchConfig("demo", p, canonical(p), T));
    }

    static ClusterConfig config(RegistryState s) {
        return s.cluster("demo").orElseThrow().config();
    }

    @Test
    void aPatchChangesTheFieldsItNamesAndNullRemovesOne() {
        RegistryState s = put(demo(), redis(Map.of("maxmemory", "256mb", "maxmemory-policy", "allkeys-lru")));
        Map<String, String> change = new HashMap<>();
        change.put("maxmemory", null);
        change.put("timeout", "300");
        s = put(s, new ConfigPatch(change, Map.of("timeout", "400"), Map.of("g1", Map.of("maxmemory", "512mb")), Map.of()));
        ConfigVersion v = config(s).current();
        assertThat(v.version()).isEqualTo(2);
        assertThat(v.redis()).containsExactlyInAnyOrderEntriesOf(Map.of("maxmemory-policy", "allkeys-lru", "timeout", "300"));
        assertThat(v.nutcracker()).containsEntry("timeout", "400");
        // precedence: cluster < group < instance; the canonical form is what CONFIG GET answers
        assertThat(v.redisFor("g1", R1)).containsEntry("maxmemory", "512mb").containsEntry("timeout", "300");
        assertThat(v.expectedFor("g1", R1)).containsEntry("maxmemory", Long.toString(512L * 1024 * 1024));
        assertThat(v.redisFor("g2", Address.parse("127.0.0.1:7012"))).doesNotContainKey("maxmemory");
        // the topology version stays: a config version is not a topology change
        assertThat(s.cluster("demo").orElseThrow().version()).isEqualTo(demo().cluster("demo").orElseThrow().version());
        assertThat(s.events("demo").get(s.events("demo").size() - 1).type()).isEqualTo("+config-changed");
        // the same patch again changes nothing and makes no version
        RegistryState same = Transitions.apply(s, new PatchConfig("demo", redis(Map.of("timeout", "300")),
                canonical(redis(Map.of("timeout", "300"))), T)).state();
        assertThat(config(same).current().version()).isEqualTo(2);
    }

    @Test
    void refusesWhatCfgserverOwnsUnknownGroupsAndInstancesBadNutcrackerValuesAndUncheckedValues() {
        RegistryState s = demo();
        rejects(s, new PatchConfig("demo", redis(Map.of("replicaof", "127.0.0.1 7001")), Map.of(), T), RejectCode.INVALID,
                "replicaof is not managed");
        rejects(s, new PatchConfig("demo", redis(Map.of("min-replicas-to-write", "1")),
                canonical(redis(Map.of("min-replicas-to-write", "1"))), T), RejectCode.INVALID, "minReplicasToWrite");
        ConfigPatch cobl = redis(Map.of("client-output-buffer-limit", "normal 0 0 0"));
        rejects(s, new PatchConfig("demo", cobl, canonical(cobl), T), RejectCode.INVALID, "partial value");
        ConfigPatch announce = redis(Map.of("replica-announce-ip", "10.0.0.1"));
        rejects(s, new PatchConfig("demo", announce, canonical(announce), T), RejectCode.INVALID, "address in the registry");
        rejects(s, new PatchConfig("demo", redis(Map.of("Max Memory", "1")), Map.of(), T), RejectCode.INVALID,
                "not a Redis parameter name");
        rejects(s, new PatchConfig("demo", redis(Map.of("maxmemory", "1mb")), Map.of(), T), RejectCode.INVALID,
                "was not checked against a Redis");
        ConfigPatch g9 = new ConfigPatch(Map.of(), Map.of(), Map.of("g9", Map.of("hz", "20")), Map.of());
        rejects(s, new PatchConfig("demo", g9, canonical(g9), T), RejectCode.NOT_FOUND, "group-[g9]");
        ConfigPatch stranger = new ConfigPatch(Map.of(), Map.of(), Map.of(), Map.of("127.0.0.1:9999", Map.of("hz", "20")));
        rejects(s, new PatchConfig("demo", stranger, canonical(stranger), T), RejectCode.NOT_FOUND, "not an instance");
        rejects(s, new PatchConfig("demo", new ConfigPatch(Map.of(), Map.of("timeout", "fast"), Map.of(), Map.of()),
                Map.of(), T), RejectCode.INVALID, "'timeout' must be");
        rejects(s, new PatchConfig("demo", new ConfigPatch(Map.of(), Map.of("tcpkeepalive", "1"), Map.of(), Map.of()),
                Map.of(), T), RejectCode.INVALID, "unknown nutcracker setting");
        rejects(s, new PatchConfig("demo", new ConfigPatch(Map.of(), Map.of(), Map.of(), Map.of()), Map.of(), T),
                RejectCode.INVALID, "names nothing");
    }

    @Test
    void rollbackStoresANewVersionWithAnEarlierContent() {
        RegistryState s = put(demo(), redis(Map.of("hz", "20")));
        s = put(s, redis(Map.of("hz", "50")));
        s = ok(s, new RollbackConfig("demo", 1, T));
        ConfigVersion v = config(s).current();
        assertThat(v.version()).isEqualTo(3);
        assertThat(v.note()).isEqualTo("rollback to 1");
        assertThat(v.redis()).containsEntry("hz", "20");
        rejects(s, new RollbackConfig("demo", 3, T), RejectCode.INVALID, "earlier version");
    }

    @Test
    void keepsTheLastVersionsButNeverTheRolledOutOne() {
        RegistryState s = put(demo(), redis(Map.of("hz", "11")));
        s = ok(s, new MarkConfigRolledOut("demo", 1, "job-1", T));
        for (int i = 0; i < ClusterConfig.MAX_VERSIONS + 5; i++) {
            s = put(s, redis(Map.of("hz", Integer.toString(12 + i))));
        }
        assertThat(config(s).versions()).hasSize(ClusterConfig.MAX_VERSIONS);
        assertThat(config(s).version(1)).isPresent();
        assertThat(config(s).rolledOutVersion().redis()).containsEntry("hz", "11");
    }

    @Test
    void proxySettingsBumpTheTopologyVersionOnlyWhenTheyChangeWhatIsRendered() {
        ConfigPatch p = new ConfigPatch(Map.of(), Map.of("timeout", "400"), Map.of(), Map.of());
        RegistryState s = put(demo(), p);
        long before = s.cluster("demo").orElseThrow().version();
        s = ok(s, new SetProxySettings("demo", "p1", 1, T));
        Cluster c = s.cluster("demo").orElseThrow();
        assertThat(c.version()).isEqualTo(before + 1);
        assertThat(c.proxy("p1").orElseThrow().nutcracker()).containsEntry("timeout", "400");
        assertThat(ok(s, new SetProxySettings("demo", "p1", 1, T)).cluster("demo").orElseThrow().version())
                .isEqualTo(before + 1);
        // a proxy added after a rollout starts with the rolled-out settings
        s = ok(s, new MarkConfigRolledOut("demo", 1, "j", T));
        s = ok(s, new AddProxy("demo", new ProxySpec("p2", Address.parse("127.0.0.1:22122")), T));
        assertThat(s.cluster("demo").orElseThrow().proxy("p2").orElseThrow().nutcracker()).containsEntry("timeout", "400");
    }

    @Test
    void driftIsRecordedWhenItChangesAndClearedByTheNextRollout() {
        RegistryState s = put(demo(), redis(Map.of("maxmemory", "256mb")));
        s = ok(s, new MarkConfigRolledOut("demo", 1, "j", T));
        ConfigDrift d = new ConfigDrift("maxmemory", "268435456", "0", T);
        s = ok(s, new SetConfigDrift("demo", R1, List.of(d), T));
        assertThat(config(s).drift()).containsKey(R1.toString());
        assertThat(s.events("demo").get(s.events("demo").size() - 1).type()).isEqualTo("+config-drift");
        int events = s.events("demo").size();
        // the same drift again records nothing
        s = ok(s, new SetConfigDrift("demo", R1, List.of(new ConfigDrift("maxmemory", "268435456", "0", T + 5)), T + 5));
        assertThat(s.events("demo")).hasSize(events);
        s = ok(s, new SetConfigDrift("demo", R1, List.of(), T));
        assertThat(config(s).drift()).isEmpty();
        assertThat(s.events("demo").get(s.events("demo").size() - 1).type()).isEqualTo("-config-drift");
        s = ok(s, new SetConfigDrift("demo", R1, List.of(d), T));
        s = ok(s, new MarkConfigRolledOut("demo", 1, "j2", T));
        assertThat(config(s).drift()).isEmpty();
        // an instance that leaves the cluster leaves the drift list too
        s = ok(s, new SetConfigDrift("demo", R1, List.of(d), T));
        s = ok(s, new io.cfgserver.registry.command.RemoveReplica("demo", "g1", R1, T));
        assertThat(config(s).drift()).isEmpty();
    }

    @Test
    void twoPolicyPatchesOfDifferentFieldsBothTakeEffect() {
        RegistryState s = demo();
        // both read the same policy; applied one after the other, neither undoes the other
        s = ok(s, new PatchPolicy("demo", Map.of("autoFailover", "false"), T));
        s = ok(s, new PatchPolicy("demo", Map.of("repairDrift", "true", "proxyFencing", "\"strict\""), T));
        var p = s.cluster("demo").orElseThrow().policy();
        assertThat(p.autoFailover()).isFalse();
        assertThat(p.repairDrift()).isTrue();
        assertThat(p.proxyFencing().wire()).isEqualTo("strict");
        rejects(s, new PatchPolicy("demo", Map.of("autoFailover", "1"), T), RejectCode.INVALID, "true or false");
        rejects(s, new PatchPolicy("demo", Map.of("downAfterMillis", "5"), T), RejectCode.INVALID, "downAfterMillis");
        rejects(s, new PatchPolicy("demo", Map.of("nope", "1"), T), RejectCode.INVALID, "unknown policy field");
    }

    @Test
    void aPolicyChangeWhoseExpectationHoldsTakesEffect() {
        RegistryState s = ok(demo(), new PatchPolicy("demo", Map.of("downAfterMillis", "1200"),
                Map.of("downAfterMillis", "1000", "proxyFencing", "\"per-group\""), T));
        assertThat(s.cluster("demo").orElseThrow().policy().downAfterMillis()).isEqualTo(1200);
        // numbers compare by value
        s = ok(s, new PatchPolicy("demo", Map.of("downAfterMillis", "1300"), Map.of("downAfterMillis", "1200.0"), T));
        assertThat(s.cluster("demo").orElseThrow().policy().downAfterMillis()).isEqualTo(1300);
    }

    @Test
    void aPolicyChangeWhoseExpectationFailsIsAConflictAndChangesNothing() {
        RegistryState s = ok(demo(), new PatchPolicy("demo", Map.of("downAfterMillis", "1200"), T));
        rejects(s, new PatchPolicy("demo", Map.of("downAfterMillis", "1500"), Map.of("downAfterMillis", "1000"), T),
                RejectCode.CONFLICT, "downAfterMillis is 1200, expected 1000; nothing was changed");
        // one failed field refuses the whole change, also of the fields whose expectation holds
        rejects(s, new PatchPolicy("demo", Map.of("downAfterMillis", "1500", "autoFailover", "false"),
                Map.of("downAfterMillis", "1200", "autoFailover", "false"), T), RejectCode.CONFLICT,
                "autoFailover is true, expected false");
    }

    @Test
    void ofTwoChangesExpectingTheSameValueOnlyTheFirstTakesEffect() {
        RegistryState s = demo();
        PatchPolicy a = new PatchPolicy("demo", Map.of("downAfterMillis", "2000"), Map.of("downAfterMillis", "1000"), T);
        PatchPolicy b = new PatchPolicy("demo", Map.of("downAfterMillis", "3000"), Map.of("downAfterMillis", "1000"), T);
        s = ok(s, a);
        rejects(s, b, RejectCode.CONFLICT, "downAfterMillis is 2000, expected 1000");
        assertThat(s.cluster("demo").orElseThrow().policy().downAfterMillis()).isEqualTo(2000);
    }

    @Test
    void anExpectationOfAnUnknownFieldOrOfNullIsInvalid() {
        rejects(demo(), new PatchPolicy("demo", Map.of("downAfterMillis", "1200"), Map.of("nope", "1"), T),
                RejectCode.INVALID, "unknown policy field 'nope' in expect");
        rejects(demo(), new PatchPolicy("demo", Map.of("downAfterMillis", "1200"), Map.of("downAfterMillis", "null"), T),
                RejectCode.INVALID, "cannot be null");
        rejects(demo(), new PatchPolicy("demo", Map.of("downAfterMillis", "1200"), Map.of("downAfterMillis", "{x"), T),
                RejectCode.INVALID, "not a JSON value");
    }

    @Test
    void aPolicyChangeLoggedBeforeExpectationsExistedReadsAsOneWithout() throws Exception {
        String old = "{\"type\":\"PatchPolicy\",\"cluster\":\"demo\",\"fields\":{\"downAfterMillis\":\"1200\"},"
                + "\"atMillis\":1000}";
        var c = (PatchPolicy) Json.mapper().readValue(old, io.cfgserver.registry.command.Command.class);
        assertThat(c.hasExpectation()).isFalse();
        assertThat(c).isEqualTo(new PatchPolicy("demo", Map.of("downAfterMillis", "1200"), T));
        RegistryState s = ok(ok(demo(), new PatchPolicy("demo", Map.of("downAfterMillis", "5000"), T)), c);
        assertThat(s.cluster("demo").orElseThrow().policy().downAfterMillis()).isEqualTo(1200);
        PatchPolicy cas = new PatchPolicy("demo", Map.of("downAfterMillis", "1200"), Map.of("downAfterMillis", "1000"), T);
        assertThat(Json.mapper().readValue(Json.mapper().writeValueAsString(cas), io.cfgserver.registry.command.Command.class))
                .isEqualTo(cas);
    }

    @Test
    void theLeaderLeavesAnExpectationToTheApplyInLogOrder() {
        PatchPolicy cas = new PatchPolicy("demo", Map.of("downAfterMillis", "1200"), Map.of("downAfterMillis", "999"), T);
        // the leader's view may be stale: it checks the change, not the expectation ...
        assertThat(RegistryStateMachine.leaderCheckOf(cas)).isEqualTo(cas.withoutExpectation());
        assertThat(Transitions.apply(demo(), RegistryStateMachine.leaderCheckOf(cas)).result().ok()).isTrue();
        // ... and still refuses a change that is invalid whatever the state
        PatchPolicy bad = new PatchPolicy("demo", Map.of("downAfterMillis", "5"), Map.of("downAfterMillis", "1000"), T);
        assertThat(Transitions.apply(demo(), RegistryStateMachine.leaderCheckOf(bad)).result().ok()).isFalse();
    }

    @Test
    void aPatchWithNullsSurvivesTheLogsJson() throws Exception {
        Map<String, String> change = new HashMap<>();
        change.put("maxmemory", null);
        Map<String, Map<String, String>> groups = new HashMap<>();
        groups.put("g1", null);
        PatchConfig c = new PatchConfig("demo", new ConfigPatch(change, Map.of(), groups, Map.of()), Map.of(), T);
        String json = Json.mapper().writeValueAsString(c);
        assertThat(Json.mapper().readValue(json, io.cfgserver.registry.command.Command.class)).isEqualTo(c);
    }
}
