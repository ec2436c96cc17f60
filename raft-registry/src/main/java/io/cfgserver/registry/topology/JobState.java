package io.cfgserver.registry.topology;

/** Lifecycle of a job in the registry's catalog. Terminal states never change again. */
public enum JobState {
    RUNNING,
    PAUSED,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
