package io.cfgserver.registry.topology;

/** Slots {@code from..to} (inclusive) owned by {@code group}. */
public record SlotRange(int from, int to, String group) {
    public int length() {
        return to - from + 1;
    }
}
