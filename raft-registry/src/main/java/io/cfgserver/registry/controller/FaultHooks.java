package io.cfgserver.registry.controller;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test-only fault injection, off unless system properties name it (like Sentinel's SIMULATE-FAILURE):
 * {@code cfgserver.test.crashAt=<step>} halts the process at a named failover step;
 * {@code cfgserver.test.probeBlackholeFile=<path>} makes every probe of this peer fail while that
 * file exists (this peer cut off from Redis).
 */
public final class FaultHooks {
    /** Steps a crash can be injected at. */
    public static final String AFTER_BEGIN = "after-begin-failover";
    public static final String AFTER_PROMOTE_REDIS = "after-promote-redis";
    public static final String AFTER_COMMIT_MASTER = "after-commit-master";

    private final String crashAt;
    private final Path blackhole;

    FaultHooks(String crashAt, String blackholeFile) {
        this.crashAt = crashAt == null || crashAt.isBlank() ? null : crashAt;
        this.blackhole = blackholeFile == null || blackholeFile.isBlank() ? null : Path.of(blackholeFile);
    }

    public static FaultHooks fromSystemProperties() {
        return new FaultHooks(System.getProperty("cfgserver.test.crashAt"),
                System.getProperty("cfgserver.test.probeBlackholeFile"));
    }

    public static FaultHooks none() {
        return new FaultHooks(null, null);
    }

    void step(String name) {
        if (name.equals(crashAt)) {
            System.err.println("cfgserver.test.crashAt=" + name + ": halting");
            Runtime.getRuntime().halt(137);
        }
    }

    boolean blackholed() {
        return blackhole != null && Files.exists(blackhole);
    }
}
