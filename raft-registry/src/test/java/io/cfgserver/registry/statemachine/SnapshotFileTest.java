package io.cfgserver.registry.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.registry.command.AddProxy;
import io.cfgserver.registry.command.AssignSlots;
import io.cfgserver.registry.command.BeginJob;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.ProxySpec;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.SetPolicy;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Policy;
import io.cfgserver.registry.topology.ProxyFencing;
import io.cfgserver.registry.topology.RegistryState;
import io.cfgserver.registry.topology.SlotRange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {
    @TempDir
    Path dir;

    /** A state that uses every part of the model: groups, replicas, slots, proxies, policy, jobs, events. */
    static RegistryState richState() {
        List<Command> commands = List.of(
                new CreateCluster("shop", List.of(
                        new GroupSpec("g1", Address.parse("127.0.0.1:7001"), List.of(Address.parse("127.0.0.1:7002"))),
                        new GroupSpec("g2", Address.parse("127.0.0.1:7003"), List.of())),
                        List.of(new ProxySpec("p1", Address.parse("127.0.0.1:22121"))), 1_000),
                new AddProxy("shop", new ProxySpec("p2", Address.parse("127.0.0.1:22122")), 2_000),
                new AssignSlots("shop", List.of(new SlotRange(0, 99, "g2"), new SlotRange(100, 599, "g1"),
                        new SlotRange(600, 1023, "g2")), 3_000),
                new SetPolicy("shop", new Policy(false, true, 2500, 2, 60_000, 0.25, 1024, 1, 5, ProxyFencing.STRICT), 4_000),
                new BeginJob("shop", "job-1", "rebalance", "wf-1", Map.of("b", "2", "a", "1"), true, 5_000),
                new RecordEvent("shop", "+sdown", "instance-[127.0.0.1:7002]", "no reply for 1000 ms", 6_000));
        RegistryState s = RegistryState.empty();
        for (Command c : commands) {
            Transitions.Outcome o = Transitions.apply(s, c);
            if (!o.result().ok()) {
                throw new AssertionError(c + " was rejected: " + o.result());
            }
            s = o.state();
        }
        return s;
    }

    @Test
    void roundTripsTheWholeStateExactly() throws IOException {
        RegistryState state = richState();
        assertThat(state.clusters()).containsKey("shop");
        assertThat(state.jobs()).isNotEmpty();
        Path file = dir.resolve("snapshot.3_42");

        SnapshotFile.write(file, state);

        assertThat(SnapshotFile.read(file)).isEqualTo(state);
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8).get(0)).startsWith("cfgserver-registry-snapshot v1 sha256=");
        assertThat(dir.resolve("snapshot.3_42.writing")).doesNotExist();
    }

    @Test
    void roundTripsTheEmptyState() throws IOException {
        Path file = dir.resolve("snapshot.1_1");
        SnapshotFile.write(file, RegistryState.empty());
        assertThat(SnapshotFile.read(file)).isEqualTo(RegistryState.empty());
    }

    @Test
    void detectsAChangedByteInTheBody() throws IOException {
        Path file = dir.resolve("snapshot.3_42");
        SnapshotFile.write(file, richState());
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.UTF_8);
        // Same length, still valid JSON: only the checksum can tell.
        Files.write(file, text.replace("127.0.0.1:7001", "127.0.0.1:7009").getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> SnapshotFile.read(file))
                .isInstanceOf(CorruptSnapshotException.class)
                .hasMessageContaining("SHA-256")
                .hasMessageContaining(file.toString());
    }

    @Test
    void detectsATruncatedFile() throws IOException {
        Path file = dir.resolve("snapshot.3_42");
        SnapshotFile.write(file, richState());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 10));

        assertThatThrownBy(() -> SnapshotFile.read(file))
                .isInstanceOf(CorruptSnapshotException.class)
                .hasMessageContaining("bytes");
    }

    @Test
    void refusesAFileWithoutHeader() throws IOException {
        Path file = dir.resolve("snapshot.3_42");
        Files.writeString(file, "{\"clusters\":{}}");

        assertThatThrownBy(() -> SnapshotFile.read(file))
                .isInstanceOf(CorruptSnapshotException.class)
                .hasMessageContaining("header");
    }
}
