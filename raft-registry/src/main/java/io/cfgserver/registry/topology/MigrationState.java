package io.cfgserver.registry.topology;

/** Where a slot migration stands in the registry. */
public enum MigrationState {
    /** Keys are being copied; the slots still belong to the source. Abort is legal. */
    COPYING,
    /** The commit point has passed: the slots belong to the target. Only forward from here. */
    COMMITTED;

    public boolean abortable() {
        return this == COPYING;
    }
}
