package io.cfgserver.registry.statemachine;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A snapshot file failed its checksum or could not be parsed. Checked, because Ratis' snapshot
 * hooks speak {@link IOException}: thrown from {@code initialize}/{@code reinitialize} it stops the
 * peer instead of letting it serve a state it cannot trust.
 */
public class CorruptSnapshotException extends IOException {
    private final Path file;

    public CorruptSnapshotException(Path file, String problem) {
        super("snapshot " + file + " is corrupt: " + problem
                + ". Move it aside (the peer then starts from an older snapshot or from the leader) and restart.");
        this.file = file;
    }

    public CorruptSnapshotException(Path file, String problem, Throwable cause) {
        this(file, problem);
        initCause(cause);
    }

    public Path file() {
        return file;
    }
}
