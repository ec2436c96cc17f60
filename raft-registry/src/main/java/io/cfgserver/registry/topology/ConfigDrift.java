package io.cfgserver.registry.topology;

/**
 * A managed Redis parameter whose value on an instance differs from the rolled-out config.
 *
 * @param expected   what {@code CONFIG GET} should answer
 * @param actual     what it answered
 * @param sinceMillis when the drift was first seen
 */
public record ConfigDrift(String param, String expected, String actual, long sinceMillis) {
    /** At most this many drifted parameters are recorded per instance (a report, not a copy of its config). */
    public static final int MAX_PER_INSTANCE = 64;
}
