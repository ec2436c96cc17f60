package io.cfgserver.registry.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.registry.Json;
import org.junit.jupiter.api.Test;

class ProxyFencingTest {
    @Test
    void aPolicyStoredBeforeTheFieldExistedReadsAsPerGroup() throws Exception {
        String old = "{\"autoFailover\":true,\"autoBan\":true,\"downAfterMillis\":1000,\"maxFailoversPerWindow\":3,"
                + "\"failoverWindowMillis\":600000,\"fleetBreakerShare\":0.5,\"replicaMaxLagBytes\":1024,"
                + "\"minReplicasToWrite\":0,\"minReplicasMaxLagSeconds\":10}";
        assertThat(Json.mapper().readValue(old, Policy.class).proxyFencing()).isEqualTo(ProxyFencing.PER_GROUP);
    }

    @Test
    void travelsAsItsWireName() throws Exception {
        Policy strict = Policy.defaults().withProxyFencing(ProxyFencing.STRICT);
        String json = Json.mapper().writeValueAsString(strict);
        assertThat(json).contains("\"proxyFencing\":\"strict\"");
        assertThat(Json.mapper().readValue(json, Policy.class)).isEqualTo(strict);
        assertThat(ProxyFencing.parse("per-group")).isEqualTo(ProxyFencing.PER_GROUP);
        assertThat(ProxyFencing.parse("off")).isEqualTo(ProxyFencing.OFF);
    }

    @Test
    void refusesAnUnknownModeAndNamesTheChoices() {
        assertThatThrownBy(() -> ProxyFencing.parse("PER_GROUP")).isInstanceOf(InvalidTopologyException.class)
                .hasMessageContaining("one of per-group, strict, off");
    }
}
