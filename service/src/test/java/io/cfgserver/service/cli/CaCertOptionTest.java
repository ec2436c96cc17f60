package io.cfgserver.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaCertOptionTest {
    @TempDir
    Path dir;

    @AfterEach
    void restoreEnvironment() {
        Leaf.env = System.getenv();
    }

    record Result(int code, String err) {
    }

    static Result run(String... args) {
        StringWriter err = new StringWriter();
        int code = CfgCli.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        return new Result(code, err.toString());
    }

    @Test
    void aMissingCaFileIsAUsageErrorThatNamesIt() {
        Path missing = dir.resolve("missing-ca.pem");
        Result r = run("--server", "https://127.0.0.1:1", "--cacert", missing.toString(), "cluster", "list");
        assertThat(r.code()).isEqualTo(CfgCli.USAGE);
        assertThat(r.err()).contains("--cacert").contains(missing.toString()).contains("cannot be read");
    }

    @Test
    void aCaFileFromTheEnvironmentMustHoldACertificate() throws Exception {
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        Leaf.env = Map.of("CFGSERVER_CACERT", notPem.toString());
        Result r = run("--server", "https://127.0.0.1:1", "cluster", "list");
        assertThat(r.code()).isEqualTo(CfgCli.USAGE);
        assertThat(r.err()).contains("CFGSERVER_CACERT").contains(notPem.toString());
    }
}
