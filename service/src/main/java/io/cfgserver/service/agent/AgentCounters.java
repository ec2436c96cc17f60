package io.cfgserver.service.agent;

import java.util.concurrent.atomic.AtomicLong;

/** What an agent counts about itself, for its metrics endpoint ({@link AgentMetricsServer}). */
final class AgentCounters {
    /** Lease renewals the registry accepted. */
    final AtomicLong renewals = new AtomicLong();
    /** Registry calls (renewal or watch) that failed: no peer answered, or not in time. */
    final AtomicLong registryFailures = new AtomicLong();
    /** nutcracker started on a new config (a new map, or the last map without the registry). */
    final AtomicLong nutcrackerRestarts = new AtomicLong();
    /** Rendered configs that nutcracker (or the renderer) refused; the running config stayed. */
    final AtomicLong configsRefused = new AtomicLong();
    /** Groups routed to the fence because their data-plane evidence failed while the registry was away. */
    final AtomicLong groupsFenced = new AtomicLong();
    /** Strict fencing: nutcracker stopped because the lease ended. */
    final AtomicLong proxyFences = new AtomicLong();
}
