/**
 * Long jobs as Temporal workflows: what every job shares (task queue, job type names, search
 * attributes, {@link io.cfgserver.workflows.JobProgress}, activity timeouts and retries) and the
 * one place that registers workflows and activities on a worker.
 *
 * <p>Workflow code here and in the sub-packages is deterministic orchestration only: no I/O, no
 * clock but {@code Workflow.currentTimeMillis()}, no threads, no randomness. Everything that acts
 * on Redis or the registry is an activity ({@code io.cfgserver.activities}).
 */
package io.cfgserver.workflows;
