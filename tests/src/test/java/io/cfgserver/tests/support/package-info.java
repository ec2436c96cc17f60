/**
 * Fixtures for end-to-end tests: each starts a real process on free 127.0.0.1 ports, writes its
 * output to a log file for diagnosis, and stops what it started on {@code close()}.
 *
 * <ul>
 *   <li>{@link io.cfgserver.tests.support.TemporalDevServer}: the {@code temporal} CLI's dev server.
 *   <li>{@link io.cfgserver.tests.support.ServiceProcess}: one cfgserver peer (registry peer, REST
 *       API, Temporal worker) in its own JVM.
 *   <li>{@link io.cfgserver.tests.support.ServiceCluster}: three such peers forming one registry.
 *   <li>{@link io.cfgserver.tests.support.Http}: JSON over HTTP with the bearer token.
 * </ul>
 *
 * <p>Nothing here talks to Redis or knows the topology model: tests do. A JVM shutdown hook
 * ({@link io.cfgserver.tests.support.ChildProcesses}) kills any child a test forgot to close.
 */
package io.cfgserver.tests.support;
