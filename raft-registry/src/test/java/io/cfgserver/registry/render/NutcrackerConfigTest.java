package io.cfgserver.registry.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.Group;
import io.cfgserver.registry.topology.Instance;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.SlotMap;
import io.cfgserver.registry.topology.SlotRange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden files under src/test/resources/golden. To accept a deliberate change of the output, run
 * with {@code -Dgolden.update=true} and review the diff.
 */
class NutcrackerConfigTest {
    static final Address LISTEN = Address.parse("127.0.0.1:22121");

    static Cluster cluster(int groups, List<SlotRange> ranges) {
        List<Group> list = new ArrayList<>();
        for (int i = 1; i <= groups; i++) {
            list.add(new Group("g" + i, 0, Instance.of(Address.parse("127.0.0.1:" + (7000 + 10 * i))),
                    List.of(Instance.of(Address.parse("127.0.0.1:" + (7001 + 10 * i))))));
        }
        SlotMap slots = ranges == null ? SlotMap.spread(list.stream().map(Group::id).toList()) : SlotMap.of(ranges);
        return new Cluster("demo", 7, list, slots, List.of(), Policy.defaults(), 0);
    }

    static void matchesGolden(String name, String actual) throws IOException {
        Path file = Path.of("src/test/resources/golden", name);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        // a missing golden file fails: writing it here would make the test pass against whatever was rendered
        assertThat(file).as("golden file %s is missing: run once with -Dgolden.update=true and review it", file).exists();
        assertThat(actual).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    }

    @Test
    void rendersOneGroupAsOneLine() throws IOException {
        matchesGolden("one-group.yml", NutcrackerConfig.render(cluster(1, null), LISTEN, ProxySettings.defaults()));
    }

    @Test
    void routesTheSlotsOfFencedGroupsToTheFenceAndKeepsTheOthers() throws IOException {
        String y = NutcrackerConfig.render(cluster(3, null), LISTEN, ProxySettings.defaults(), java.util.Set.of("g2"));
        matchesGolden("three-groups-g2-fenced.yml", y);
        assertThat(y).contains("   - 127.0.0.1:1:341 s0341\n").contains("   - 127.0.0.1:7010:341 s0000\n")
                .contains("   - 127.0.0.1:7030:342 s0682\n").doesNotContain("127.0.0.1:7020");
    }

    @Test
    void rendersThreeEvenGroups() throws IOException {
        matchesGolden("three-groups.yml", NutcrackerConfig.render(cluster(3, null), LISTEN, ProxySettings.defaults()));
    }

    @Test
    void rendersAFragmentedMapWhereAGroupOwnsSeveralRuns() throws IOException {
        Cluster c = cluster(3, List.of(new SlotRange(0, 0, "g2"), new SlotRange(1, 99, "g1"),
                new SlotRange(100, 299, "g3"), new SlotRange(300, 511, "g1"), new SlotRange(512, 1000, "g2"),
                new SlotRange(1001, 1022, "g3"), new SlotRange(1023, 1023, "g1")));
        String yml = NutcrackerConfig.render(c, LISTEN, new ProxySettings(400, 1000, 2, 2, false, 512));
        matchesGolden("fragmented.yml", yml);
        assertThat(yml.lines().filter(l -> l.startsWith("   - 127.0.0.1:7010:"))).hasSize(3);
    }

    @Test
    void theClustersNutcrackerSettingsGoOverTheAgentsOwn() {
        ProxySettings agent = new ProxySettings(1000, 200, 1, 1, true, 1024, 0);
        ProxySettings s = agent.overlay(java.util.Map.of("timeout", "400", "client_connections", "100", "preconnect", "false"));
        assertThat(s).isEqualTo(new ProxySettings(400, 200, 1, 1, false, 1024, 100));
        String yml = NutcrackerConfig.render(cluster(1, null), LISTEN, s);
        assertThat(yml).contains("  timeout: 400\n").contains("  client_connections: 100\n").contains("  preconnect: false\n");
        // 0 (no limit) is nutcracker's default and is not rendered: configs rendered before stay byte for byte
        assertThat(NutcrackerConfig.render(cluster(1, null), LISTEN, agent)).doesNotContain("client_connections");
        assertThatThrownBy(() -> agent.overlay(java.util.Map.of("timeout", "0", "hash", "md5")))
                .hasMessageContaining("unknown nutcracker setting 'hash'");
        assertThatThrownBy(() -> agent.overlay(java.util.Map.of("server_connections", "100")))
                .hasMessageContaining("server_connections must be between 1 and 64");
    }

    @Test
    void namesSortInSlotOrderAndWeightsSumTo1024() {
        Cluster c = cluster(4, List.of(new SlotRange(0, 8, "g1"), new SlotRange(9, 99, "g2"),
                new SlotRange(100, 999, "g3"), new SlotRange(1000, 1023, "g4")));
        List<String> lines = NutcrackerConfig.render(c, LISTEN, ProxySettings.defaults()).lines()
                .filter(l -> l.startsWith("   - ")).toList();
        List<String> names = lines.stream().map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList();
        assertThat(names).isSorted().containsExactly("s0000", "s0009", "s0100", "s1000");
        int sum = lines.stream().mapToInt(l -> Integer.parseInt(l.split(" ")[4].split(":")[2])).sum();
        assertThat(sum).isEqualTo(1024);
    }

    @Test
    void refusesInvalidSettings() {
        assertThatThrownBy(() -> NutcrackerConfig.render(cluster(1, null), LISTEN, new ProxySettings(0, 1, 1, 0, true, 1)))
                .isInstanceOf(InvalidTopologyException.class).hasMessageContaining("timeoutMillis")
                .hasMessageContaining("serverConnections");
    }
}
