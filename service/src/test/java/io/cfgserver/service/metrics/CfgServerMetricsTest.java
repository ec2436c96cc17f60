package io.cfgserver.service.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class CfgServerMetricsTest {
    static CfgServerMetrics metrics() {
        RegistryInfo info = new RegistryInfo("p1", "LEADER", "p1", 3, 10, 9,
                List.of(new RegistryInfo.PeerInfo("p1", "127.0.0.1:1")));
        return CfgServerMetrics.create(() -> info, RegistryState::empty, null, null, () -> false, Clock.systemUTC());
    }

    @Test
    void countsWhatTheControllerAndTheRegistryReport() {
        CfgServerMetrics m = metrics();
        m.event("demo", "+sdown");
        m.event("demo", "+sdown");
        m.event("", "+tilt");
        m.probed(Address.parse("127.0.0.1:7001"), true, 1_500_000);
        m.probed(Address.parse("127.0.0.1:7001"), false, 200_000_000);
        m.failoverEnded("demo", false, "done", 450_000_000L);
        m.failoverEnded("demo", true, "switchover-failed", -1);
        m.submitted("CreateCluster", "ok", 3_000_000);
        String text = m.scrape();
        assertThat(text).contains("cfgserver_controller_events_total{cluster=\"demo\",type=\"+sdown\"} 2")
                .contains("cfgserver_controller_events_total{cluster=\"\",type=\"+tilt\"} 1")
                .contains("cfgserver_probe_seconds_count{outcome=\"ok\"} 1")
                .contains("cfgserver_probe_seconds_count{outcome=\"failed\"} 1")
                .contains("cfgserver_failover_seconds_bucket{cluster=\"demo\",kind=\"failover\",outcome=\"done\",le=\"0.5\"} 1")
                .contains("cfgserver_failover_seconds_bucket{cluster=\"demo\",kind=\"failover\",outcome=\"done\",le=\"0.3\"} 0")
                .contains("cfgserver_failover_seconds_count{cluster=\"demo\",kind=\"switchover\",outcome=\"switchover-failed\"} 1")
                .contains("cfgserver_registry_write_seconds_count{command=\"CreateCluster\",outcome=\"ok\"} 1")
                .contains("cfgserver_registry_leader{peer=\"p1\"} 1")
                .contains("cfgserver_registry_commit_index{peer=\"p1\"} 10")
                .contains("cfgserver_temporal_reachable{peer=\"p1\"} 0");
    }
}
