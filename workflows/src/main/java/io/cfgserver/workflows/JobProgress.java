package io.cfgserver.workflows;

import io.cfgserver.registry.topology.JobState;

/**
 * Where a job is, as its workflow's progress query answers.
 *
 * @param step       the current step's name, e.g. {@code await-sync}
 * @param stepIndex  1-based position of {@code step}
 * @param totalSteps how many steps the job has
 * @param detail     what the step is doing, in words
 * @param paused     a pause was requested and not yet lifted (the job parks at the next step boundary)
 * @param state      RUNNING, PAUSED (parked at a boundary) or the terminal state
 */
public record JobProgress(String step, int stepIndex, int totalSteps, String detail, boolean paused,
        JobState state) {
}
