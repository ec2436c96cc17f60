package io.cfgserver.registry.topology;

/** The persisted steps of a failover or switchover; one controller method per state. */
public enum FailoverState {
    /** Planned switchover asked for; the controller has not acted yet. Abortable. */
    SWITCHOVER_REQUESTED,
    /** Intent committed: the candidate is being made master. Abortable (before the commit point). */
    PROMOTING,
    /** New master committed (the commit point): re-pointing replicas, fencing the old master, waiting for proxies. */
    REPOINTING;

    /** Abort is legal only before the new master is committed. */
    public boolean abortable() {
        return this != REPOINTING;
    }
}
