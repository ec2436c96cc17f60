/**
 * Activities that read and change the registry on behalf of long jobs: look up a group's master,
 * register a replica, move a job in the catalog, record events.
 *
 * <p>They go through {@link io.cfgserver.registry.client.RegistryClient} only and never touch
 * Redis. Each is idempotent: a retry after a lost reply finds the change already made and
 * succeeds. A refused command is a non-retryable failure (retrying cannot change the answer); an
 * unreachable registry stays retryable.
 */
package io.cfgserver.activities.registry;
