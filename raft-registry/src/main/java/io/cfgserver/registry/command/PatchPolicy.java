package io.cfgserver.registry.command;

import java.util.Map;

/**
 * Changes the named fields of a cluster's policy, merged in the state machine (two concurrent
 * changes of different fields both take effect). {@code fields}: field name to the JSON text of its
 * new value ({@code "false"}, {@code "2500"}, {@code "\"strict\""}).
 *
 * <p>{@code expect} (optional, same form): the values these fields must have when the command is
 * applied, or nothing changes and the command is refused as a conflict (optimistic concurrency: an
 * operator who read the policy changes it only if nobody changed it meanwhile). Null or empty: no
 * expectation, as in entries logged before the field existed. The expectation is compared when the
 * entry is applied, in log order, never against the leader's view before the entry is in the log
 * (see {@code RegistryStateMachine.startTransaction}).
 */
public record PatchPolicy(String cluster, Map<String, String> fields, Map<String, String> expect, long atMillis)
        implements Command {

    /** A change without an expectation. */
    public PatchPolicy(String cluster, Map<String, String> fields, long atMillis) {
        this(cluster, fields, null, atMillis);
    }

    public boolean hasExpectation() {
        return expect != null && !expect.isEmpty();
    }

    /** The same change without its expectation. */
    public PatchPolicy withoutExpectation() {
        return new PatchPolicy(cluster, fields, null, atMillis);
    }
}
