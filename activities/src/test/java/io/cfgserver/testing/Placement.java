package io.cfgserver.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a test process runs: the address it binds and is reached at, the command it is started
 * under (e.g. {@code ip netns exec <ns>} for a network namespace, {@code faketime} for a skewed
 * clock), and environment variables to add. {@link #LOOPBACK}: 127.0.0.1, started as is.
 */
public record Placement(String ip, List<String> prefix, Map<String, String> env) {
    public static final Placement LOOPBACK = new Placement("127.0.0.1", List.of(), Map.of());

    public Placement {
        Objects.requireNonNull(ip, "ip");
        prefix = List.copyOf(prefix);
        env = Map.copyOf(env);
    }

    /** {@code command} started under this placement's prefix. */
    public List<String> wrap(List<String> command) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(command);
        return all;
    }

    /** {@code ip:port}. */
    public String address(int port) {
        return ip + ":" + port;
    }

    public boolean loopback() {
        return ip.equals(LOOPBACK.ip());
    }

    /**
     * The same place with the wall clock moved by {@code offsetMillis}: libfaketime (Debian's
     * {@code faketime}) preloaded through the environment, not its wrapper command, which forks
     * and would leave the test holding the wrapper's pid instead of the process's. The monotonic
     * clock is left alone, so timeouts and Raft's timers run true.
     */
    public Placement withClockOffset(long offsetMillis) {
        Map<String, String> e = new java.util.HashMap<>(env);
        e.put("LD_PRELOAD", LIBFAKETIME);
        e.put("FAKETIME", String.format(java.util.Locale.ROOT, "%+.3f", offsetMillis / 1000.0));
        e.put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        e.put("FAKETIME_NO_CACHE", "1");
        return new Placement(ip, prefix, e);
    }

    /** Where Debian's {@code faketime} package puts the library ({@code apt-get install faketime}). */
    public static final String LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
}
