package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.JobState;

/** Moves a job to a new state; a finished job never changes again. */
public record UpdateJob(String cluster, String job, JobState state, String message, long atMillis)
        implements Command {
}
