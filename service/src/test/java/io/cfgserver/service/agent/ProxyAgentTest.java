package io.cfgserver.service.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.render.NutcrackerConfig;
import io.cfgserver.registry.render.ProxySettings;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.SlotMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyAgentTest {
    @Test
    void readsTheVersionAnAdoptedConfigServes() {
        Cluster c = new Cluster("demo", 42, List.of(new Group("g1", 0, Instance.of(Address.parse("127.0.0.1:7001")), List.of())),
                SlotMap.spread(List.of("g1")), List.of(), Policy.defaults(), 0);
        String yaml = NutcrackerConfig.render(c, Address.parse("127.0.0.1:22121"), ProxySettings.defaults());
        assertThat(ProxyAgent.versionOf(yaml)).isEqualTo(42);
        assertThat(ProxyAgent.versionOf("demo:\n  listen: x\n")).isZero();
        assertThat(ProxyAgent.versionOf(null)).isZero();
    }

    private static Cluster cluster(long version, String master, SlotMap slots) {
        return new Cluster("demo", version, List.of(new Group("g1", 0, Instance.of(Address.parse(master)), List.of()),
                new Group("g2", 0, Instance.of(Address.parse("127.0.0.1:7101")), List.of())), slots, List.of(),
                Policy.defaults(), 0);
    }

    @Test
    void onlyServerAddressesChangedSkipsTheChecks() {
        SlotMap spread = SlotMap.spread(List.of("g1", "g2"));
        Address listen = Address.parse("127.0.0.1:22121");
        String running = NutcrackerConfig.render(cluster(7, "127.0.0.1:7001", spread), listen, ProxySettings.defaults());
        String failedOver = NutcrackerConfig.render(cluster(8, "127.0.0.1:7002", spread), listen, ProxySettings.defaults());
        assertThat(failedOver).isNotEqualTo(running);
        assertThat(ProxyAgent.sameShape(running, failedOver)).isTrue();
        // a fenced group is an address change too (its lines go to the fence)
        String fenced = NutcrackerConfig.render(cluster(8, "127.0.0.1:7001", spread), listen, ProxySettings.defaults(),
                java.util.Set.of("g1"));
        assertThat(ProxyAgent.sameShape(running, fenced)).isTrue();
        // another listen address, other pool settings, or other runs (a slot move) need -t and the trial
        assertThat(ProxyAgent.sameShape(running, NutcrackerConfig.render(cluster(8, "127.0.0.1:7002", spread),
                Address.parse("127.0.0.1:22122"), ProxySettings.defaults()))).isFalse();
        ProxySettings d = ProxySettings.defaults();
        ProxySettings other = new ProxySettings(d.timeoutMillis(), d.serverRetryTimeoutMillis(), d.serverFailureLimit(),
                d.serverConnections(), d.preconnect(), d.backlog() + 1, d.clientConnections());
        assertThat(ProxyAgent.sameShape(running, NutcrackerConfig.render(cluster(8, "127.0.0.1:7002", spread), listen,
                other))).isFalse();
        SlotMap moved = SlotMap.of(List.of(new io.cfgserver.registry.topology.SlotRange(0, 600, "g1"),
                new io.cfgserver.registry.topology.SlotRange(601, 1023, "g2")));
        assertThat(ProxyAgent.sameShape(running, NutcrackerConfig.render(cluster(8, "127.0.0.1:7001", moved), listen,
                ProxySettings.defaults()))).isFalse();
    }
}
