package io.cfgserver.service.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.topology.Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NutcrackerTest {
    @TempDir
    Path dir;

    /** An agent shutting down closes nutcracker; a restart its loop asks for afterwards must not start one. */
    @Test
    void noRestartAfterClose() throws Exception {
        Nutcracker n = new Nutcracker(Path.of("/usr/sbin/nutcracker"), dir, 1, 1000);
        n.close();
        n.restart("listen: 127.0.0.1:1\n", Address.parse("127.0.0.1:1"), Duration.ofMillis(100));
        assertThat(n.alive()).isFalse();
        assertThat(Files.exists(dir.resolve("watchdog.pid"))).isFalse();
        assertThat(Files.exists(n.configFile())).isFalse();
    }
}
