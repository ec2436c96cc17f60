package io.cfgserver.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Helpers shared by the process fixtures: stopping a process and its descendants, reading the
 * end of a log, and a shutdown hook that kills every child still alive when the test JVM exits
 * (a test that forgot {@code close()}, or a run interrupted by a timeout).
 */
public final class ChildProcesses {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ChildProcesses::killTree),
                "kill-leftover-test-processes"));
    }

    private ChildProcesses() {
    }

    /** Remembers {@code process} so that it is killed at JVM exit if nobody stopped it. */
    static Process track(Process process) {
        LIVE.add(process);
        process.onExit().thenRun(() -> LIVE.remove(process));
        return process;
    }

    /** SIGKILL to the process and every descendant, then waits (bounded) for it to be gone. */
    static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        awaitExit(process, Duration.ofSeconds(10));
    }

    /**
     * SIGTERM, then SIGKILL to the process and its descendants when it has not exited within
     * {@code grace}. Returns true when it exited on SIGTERM.
     */
    static boolean terminate(Process process, Duration grace) {
        if (!process.isAlive()) {
            return true;
        }
        List<ProcessHandle> descendants = new ArrayList<>(process.descendants().toList());
        process.destroy();
        boolean graceful = awaitExit(process, grace);
        if (!graceful) {
            killTree(process);
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
        return graceful;
    }

    private static boolean awaitExit(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** The last {@code lines} lines of a log file, for failure messages ("" if it is missing). */
    public static String tail(Path file, int lines) {
        if (!Files.exists(file)) {
            return "";
        }
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    /** Sleeps between polls of a condition; fixtures have no Awaitility on their main path. */
    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }
}
