/**
 * The topology model: immutable records only. It depends on nothing but Jackson annotations
 * and does no I/O; everything else may depend on it.
 */
package io.cfgserver.registry.topology;
