package io.cfgserver.registry.statemachine;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.topology.RegistryState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The on-disk form of one snapshot: a single self-contained file (so Ratis can ship it to a
 * follower as is) made of one ASCII header line and the JSON of the {@link RegistryState}.
 *
 * <pre>
 * cfgserver-registry-snapshot v1 sha256=&lt;64 hex&gt; bytes=&lt;body length&gt;\n
 * {"clusters":{...},"jobs":{...},"events":{...},"lastEventSeq":42}
 * </pre>
 *
 * The term and index are in the file name (Ratis' {@code snapshot.<term>_<index>}). Reading
 * verifies length and checksum and throws {@link CorruptSnapshotException} on any mismatch.
 */
final class SnapshotFile {
    static final String MAGIC = "cfgserver-registry-snapshot";
    static final String VERSION = "v1";
    private static final int MAX_HEADER = 256;

    private SnapshotFile() {
    }

    /** Writes atomically: a temporary sibling is written, forced to disk and renamed over {@code file}. */
    static void write(Path file, RegistryState state) throws IOException {
        byte[] body = Json.write(state);
        byte[] header = (MAGIC + " " + VERSION + " sha256=" + HexFormat.of().formatHex(sha256(body))
                + " bytes=" + body.length + "\n").getBytes(StandardCharsets.US_ASCII);
        Path tmp = file.resolveSibling(file.getFileName() + ".writing");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate(header.length + body.length).put(header).put(body).flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static RegistryState read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int newline = -1;
        for (int i = 0; i < Math.min(all.length, MAX_HEADER); i++) {
            if (all[i] == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0) {
            throw new CorruptSnapshotException(file, "no header line (expected '" + MAGIC + " " + VERSION + " ...')");
        }
        String[] fields = new String(all, 0, newline, StandardCharsets.US_ASCII).split(" ");
        if (fields.length != 4 || !fields[0].equals(MAGIC) || !fields[2].startsWith("sha256=")
                || !fields[3].startsWith("bytes=")) {
            throw new CorruptSnapshotException(file, "unreadable header '" + String.join(" ", fields) + "'");
        }
        if (!fields[1].equals(VERSION)) {
            throw new CorruptSnapshotException(file, "format " + fields[1] + " is not " + VERSION
                    + " (written by a newer cfgserver?)");
        }
        byte[] body = Arrays.copyOfRange(all, newline + 1, all.length);
        long expectedLength;
        try {
            expectedLength = Long.parseLong(fields[3].substring("bytes=".length()));
        } catch (NumberFormatException e) {
            throw new CorruptSnapshotException(file, "unreadable length in header", e);
        }
        if (body.length != expectedLength) {
            throw new CorruptSnapshotException(file, "body has " + body.length + " bytes, header says " + expectedLength);
        }
        String expected = fields[2].substring("sha256=".length());
        String actual = HexFormat.of().formatHex(sha256(body));
        if (!actual.equalsIgnoreCase(expected)) {
            throw new CorruptSnapshotException(file, "SHA-256 " + actual + " does not match header " + expected);
        }
        try {
            return Json.read(body, RegistryState.class);
        } catch (RuntimeException e) {
            throw new CorruptSnapshotException(file, "checksum is right but the JSON does not parse: " + e.getMessage(), e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
