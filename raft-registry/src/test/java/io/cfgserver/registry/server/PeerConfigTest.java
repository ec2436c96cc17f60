package io.cfgserver.registry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.registry.client.RegistryInfo.PeerInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PeerConfigTest {
    static final Path DIR = Path.of("/tmp/cfg");
    static final List<PeerInfo> THREE = List.of(new PeerInfo("cfg1", "127.0.0.1:9001"),
            new PeerInfo("cfg2", "127.0.0.1:9002"), new PeerInfo("cfg3", "127.0.0.1:9003"));

    @Test
    void fillsDefaults() {
        PeerConfig c = PeerConfig.of("cfg2", THREE, DIR);
        assertThat(c.electionTimeoutMin()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.electionTimeoutMax()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.groupId()).isEqualTo(PeerConfig.DEFAULT_GROUP_ID);
        assertThat(c.snapshotThreshold()).isEqualTo(10_000);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.self().address()).isEqualTo("127.0.0.1:9002");
        assertThat(c.storageDir()).isEqualTo(DIR.resolve("cfg2"));
    }

    @Test
    void rejectsAPeerIdMissingFromPeers() {
        assertThatThrownBy(() -> PeerConfig.of("cfg9", THREE, DIR))
                .isInstanceOf(InvalidPeerConfigException.class).hasMessageContaining("cfg9").hasMessageContaining("not among");
    }

    @Test
    void rejectsDuplicateIdsAndAddresses() {
        assertThatThrownBy(() -> PeerConfig.of("cfg1", List.of(new PeerInfo("cfg1", "127.0.0.1:9001"),
                new PeerInfo("cfg1", "127.0.0.1:9002")), DIR)).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> PeerConfig.of("cfg1", List.of(new PeerInfo("cfg1", "127.0.0.1:9001"),
                new PeerInfo("cfg2", "127.0.0.1:9001")), DIR)).hasMessageContaining("127.0.0.1:9001 appears twice");
    }

    @Test
    void rejectsTooManyOrNoPeersAndBadAddresses() {
        List<PeerInfo> eight = IntStream.rangeClosed(1, 8).mapToObj(i -> new PeerInfo("cfg" + i, "127.0.0.1:900" + i)).toList();
        assertThatThrownBy(() -> PeerConfig.of("cfg1", eight, DIR)).hasMessageContaining("1 to 7 peers");
        assertThatThrownBy(() -> PeerConfig.of("cfg1", List.of(), DIR)).hasMessageContaining("1 to 7 peers");
        assertThatThrownBy(() -> PeerConfig.of("cfg1", List.of(new PeerInfo("cfg1", "localhost")), DIR))
                .isInstanceOf(InvalidPeerConfigException.class).hasMessageContaining("host:port");
    }

    @Test
    void rejectsInvertedElectionTimeouts() {
        assertThatThrownBy(() -> PeerConfig.of("cfg1", THREE, DIR)
                .withElectionTimeout(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("electionTimeoutMax");
    }
}
