/**
 * Commands: one record per change, each with a stable JSON type name, and the codec that writes
 * them to the Raft log. No logic here; {@code statemachine.Transitions} applies them.
 */
package io.cfgserver.registry.command;
