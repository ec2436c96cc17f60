package io.cfgserver.service.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentMetricsServerTest {
    static final String STATS = """
            {"service":"nutcracker","source":"h","version":"0.5.0","uptime":12,"timestamp":1700000000,
             "total_connections":7,"curr_connections":3,
             "demo":{"client_eof":1,"client_err":0,"client_connections":2,"server_ejects":0,"forward_error":4,"fragments":0,
               "s0000":{"server_eof":0,"server_err":0,"server_timedout":1,"server_connections":1,"server_ejected_at":0,
                        "requests":10,"request_bytes":300,"responses":10,"response_bytes":50,"in_queue":0,
                        "in_queue_bytes":0,"out_queue":0,"out_queue_bytes":0},
               "s0512":{"server_eof":2,"server_err":0,"server_timedout":0,"server_connections":1,"server_ejected_at":0,
                        "requests":5,"request_bytes":150,"responses":5,"response_bytes":25,"in_queue":0,
                        "in_queue_bytes":0,"out_queue":0,"out_queue_bytes":0}}}
            """;

    @Test
    void rendersTheAgentsStateAndNutcrackersCountersAsValidExposition() throws Exception {
        AgentCounters c = new AgentCounters();
        c.renewals.set(42);
        c.configsRefused.set(1);
        ProxyAgent.State st = new ProxyAgent.State(7, 10_500, true, 0, true, false);
        String text = AgentMetricsServer.render("demo", "p1", c, st, () -> readTree(STATS), 9_000);
        String l = "cluster=\"demo\",proxy=\"p1\"";
        assertThat(text).contains("cfgserver_agent_renewals_total{" + l + "} 42\n")
                .contains("cfgserver_agent_configs_refused_total{" + l + "} 1\n")
                .contains("cfgserver_agent_served_version{" + l + "} 7.0\n")
                .contains("cfgserver_agent_lease_remaining_seconds{" + l + "} 1.5\n")
                .contains("cfgserver_nutcracker_stats_up{" + l + "} 1.0\n")
                .contains("cfgserver_nutcracker_connections{" + l + "} 3\n")
                .contains("cfgserver_nutcracker_pool_forward_error_total{" + l + ",pool=\"demo\"} 4\n")
                .contains("cfgserver_nutcracker_server_requests_total{" + l + ",pool=\"demo\",server=\"s0000\"} 10\n")
                .contains("cfgserver_nutcracker_server_eof_total{" + l + ",pool=\"demo\",server=\"s0512\"} 2\n")
                .contains("cfgserver_nutcracker_server_timedout_total{" + l + ",pool=\"demo\",server=\"s0000\"} 1\n")
                .doesNotContain("ejected_at").doesNotContain("uptime");
        // the format's rules: one TYPE per family, before its samples, every sample of a family together
        Set<String> typed = new HashSet<>();
        String family = null;
        Set<String> closed = new HashSet<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String name = line.split(" ")[2];
                assertThat(typed.add(name)).as("one TYPE line for " + name).isTrue();
                if (family != null) {
                    closed.add(family);
                }
                family = name;
            } else if (!line.startsWith("#")) {
                String name = line.substring(0, line.indexOf('{'));
                assertThat(name).as(line).isEqualTo(family);
                assertThat(closed).doesNotContain(name);
                assertThat(line).matches("[a-z_]+\\{[^}]*\\} -?[0-9.]+(E-?[0-9]+)?");
            }
        }
    }

    @Test
    void saysWhenNutcrackerDoesNotAnswer() {
        String text = AgentMetricsServer.render("demo", "p1", new AgentCounters(),
                new ProxyAgent.State(0, 0, false, 2, false, true), () -> null, 9_000);
        assertThat(text).contains("cfgserver_nutcracker_stats_up{cluster=\"demo\",proxy=\"p1\"} 0.0")
                .contains("cfgserver_agent_managed{cluster=\"demo\",proxy=\"p1\"} 0.0")
                .contains("cfgserver_agent_fenced_groups{cluster=\"demo\",proxy=\"p1\"} 2.0")
                .contains("cfgserver_agent_lease_remaining_seconds{cluster=\"demo\",proxy=\"p1\"} 0.0")
                .doesNotContain("cfgserver_nutcracker_server_");
    }

    static com.fasterxml.jackson.databind.JsonNode readTree(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
