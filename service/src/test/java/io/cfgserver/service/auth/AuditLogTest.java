package io.cfgserver.service.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cfgserver.registry.client.RegistryClient;
import io.cfgserver.registry.client.RegistryInfo;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.RecordAudit;
import io.cfgserver.registry.topology.AuditEntry;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The audit log's collapsing of refusals, against a registry client that only records (no Raft: a unit test). */
class AuditLogTest {
    final List<AuditEntry> written = new CopyOnWriteArrayList<>();
    final RegistryClient registry = new RegistryClient() {
        @Override
        public CommandResult submit(Command command) {
            written.add(((RecordAudit) command).entry());
            return CommandResult.ok(0);
        }

        @Override
        public RegistryState read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public RegistryState readLocal() {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.Optional<io.cfgserver.registry.topology.Cluster> awaitVersion(String cluster, long afterVersion,
                Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public RegistryInfo info() {
            throw new UnsupportedOperationException();
        }
    };

    static AuditEntry line(long at, String who, String from, String path, String outcome) {
        return new AuditEntry(0, at, who, "viewer", from, "p1", "DELETE", path, "", outcome.equals("ok") ? 204 : 403,
                outcome, outcome.equals("ok") ? "" : "needs operator");
    }

    @Test
    void collapsesRepeatedRefusalsAndSaysHowManyWereHeldBack() throws Exception {
        AuditLog log = new AuditLog(registry);
        for (int i = 0; i < 5; i++) {
            log.record("demo", line(1_000 + i, "vera", "10.0.0.1:" + (5000 + i), "/v1/clusters/demo", "refused"));
        }
        log.record("demo", line(1_010, "otto", "10.0.0.2:1", "/v1/clusters/demo", "ok")); // changes are never collapsed
        log.record("demo", line(1_011, "otto", "10.0.0.2:1", "/v1/clusters/demo", "ok"));
        await().atMost(Duration.ofSeconds(5)).until(() -> written.size() == 3);
        assertThat(log.suppressed()).isEqualTo(4);
        log.record("demo", line(62_000, "vera", "10.0.0.1:6000", "/v1/clusters/demo", "refused"));
        await().atMost(Duration.ofSeconds(5)).until(() -> written.size() == 4);
        assertThat(written.get(3).message()).isEqualTo("needs operator (4 more like it before this one, not written)");
        log.stop();
    }

    @Test
    void writesAtMostSixtyRefusedLinesAMinuteWhateverTheirPaths() throws Exception {
        AuditLog log = new AuditLog(registry);
        for (int i = 0; i < 200; i++) {
            log.record("demo", line(1_000 + i, "unknown-token:abcd1234", "10.0.0.9:1", "/v1/clusters/c" + i, "refused"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> written.size() == AuditLog.REFUSED_PER_MINUTE);
        assertThat(log.suppressed()).isEqualTo(200 - AuditLog.REFUSED_PER_MINUTE);
        log.stop();
    }
}
