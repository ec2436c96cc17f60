package io.cfgserver.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for tests, made by the script operators use, {@code deploy/tls/make-certs.sh}: a CA
 * in {@code dir} (reused when there is one) and, per peer id, {@code <id>.pem}, {@code <id>-key.pem}
 * and the keystore {@code <id>.p12} (password {@link #PASSWORD}). A second directory is a second CA.
 */
public final class TlsCertificates {
    public static final String PASSWORD = "changeit";
    private static final Path SCRIPT = Path.of("..", "deploy", "tls", "make-certs.sh");

    private TlsCertificates() {
    }

    /** Runs the script for {@code peerIds} into {@code dir}; returns {@code dir}. */
    public static Path make(Path dir, String... peerIds) {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toAbsolutePath().normalize().toString(),
                dir.toAbsolutePath().toString()));
        command.addAll(List.of(peerIds));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("CFGSERVER_TLS_PASSWORD", PASSWORD);
            Process p = ChildProcesses.track(builder.start());
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + SCRIPT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making certificates", e);
        }
    }
}
