package io.cfgserver.registry.command;

import java.util.Map;

/**
 * Changes the named fields of a cluster's policy, merged in the state machine (two concurrent
 * changes of different fields both take effect). {@code fields}: field name to the JSON text of its
 * new value ({@code "false"}, {@code "2500"}, {@code "\"strict\""}).
 */
public record PatchPolicy(String cluster, Map<String, String> fields, long atMillis) implements Command {
}
