package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test-only fault injection, off unless the system property {@code cfgserver.test.hooksDir} names a
 * directory (like Sentinel's SIMULATE-FAILURE, but switched at run time by files):
 * <ul>
 *   <li>{@code <dir>/crash-at} holding a step name: the first peer to reach that step (of a
 *       failover, or of a slot move's cut-over) deletes the file and halts (a crash at a named step);</li>
 *   <li>{@code <dir>/unreachable-<host:port>} present: every peer's probes of and commands to that
 *       instance fail (the instance cut off from the control plane, while its proxies, replicas and
 *       clients still reach it).</li>
 * </ul>
 */
public final class FaultHooks {
    /** Steps a crash can be injected at. */
    public static final String AFTER_BEGIN = "after-begin-failover";
    public static final String AFTER_PROMOTE_REDIS = "after-promote-redis";
    public static final String AFTER_COMMIT_MASTER = "after-commit-master";
    /** A slot move: the source is fenced, the new owner not yet committed. */
    public static final String BEFORE_MIGRATION_COMMIT = "before-migration-commit";
    /** A slot move: the new owner is committed, no proxy is known to serve it yet, the fence is up. */
    public static final String AFTER_MIGRATION_COMMIT = "after-migration-commit";

    private final Path dir;

    FaultHooks(Path dir) {
        this.dir = dir;
    }

    public static FaultHooks fromSystemProperties() {
        String d = System.getProperty("cfgserver.test.hooksDir");
        return new FaultHooks(d == null || d.isBlank() ? null : Path.of(d));
    }

    public static FaultHooks none() {
        return new FaultHooks(null);
    }

    /** Halts this JVM (exit 137, no shutdown hooks) when the crash-at file names {@code name}. */
    public void step(String name) {
        if (dir == null) {
            return;
        }
        Path crash = dir.resolve("crash-at");
        try {
            if (Files.exists(crash) && Files.readString(crash).trim().equals(name)) {
                Files.deleteIfExists(crash);
                System.err.println("cfgserver test hook: crash at " + name + ": halting");
                Runtime.getRuntime().halt(137);
            }
        } catch (IOException e) {
            // no hook
        }
    }

    boolean unreachable(Address instance) {
        return dir != null && Files.exists(dir.resolve("unreachable-" + instance));
    }
}
