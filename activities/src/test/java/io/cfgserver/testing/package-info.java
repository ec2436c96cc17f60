/**
 * Test fixtures shared by every module through the {@code cfgserver-activities} test-jar:
 * real redis-server processes on free loopback ports, and an in-memory registry that runs the
 * real transition function. Each fixture cleans up after itself.
 */
package io.cfgserver.testing;
