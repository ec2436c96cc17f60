/**
 * Derived views of the topology: pure functions from a cluster to text (the nutcracker pool).
 * No I/O; tested against golden files.
 */
package io.cfgserver.registry.render;
