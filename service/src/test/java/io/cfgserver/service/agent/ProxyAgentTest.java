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
}
