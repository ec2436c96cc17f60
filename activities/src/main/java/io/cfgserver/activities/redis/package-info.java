/**
 * Activities that act on redis-server instances for long jobs: inspect replication, attach a
 * replica to a master, wait until it has caught up, detach it.
 *
 * <p>This package is the only place (with the controller's probe) that talks to Redis. Every
 * activity is idempotent, because Temporal retries it after a timeout or a worker crash, and
 * refuses (non-retryable {@code ApplicationFailure}) anything that could silently destroy data.
 * The implementations are plain classes: they can be called without Temporal (heartbeats are then
 * dropped). They must not touch the registry: orchestration belongs to the workflows.
 */
package io.cfgserver.activities.redis;
