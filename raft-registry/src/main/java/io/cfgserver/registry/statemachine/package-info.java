/**
 * The replicated state machine: {@code Transitions} (the pure transition function) and
 * {@code RegistryStateMachine} (its Ratis binding: leader-side validation, deterministic apply,
 * checksummed snapshots, the read barrier, the version watch and leader events).
 *
 * <p>Owns: the meaning of a log entry, the snapshot file format, the applied state.
 * Must not: read a clock, draw random numbers or do network I/O while applying; skip an entry it
 * cannot decode (it stops the peer instead); swallow a snapshot error; block readers (they take the
 * current immutable {@code RegistryState} without locking); run listener code on Ratis threads.
 */
package io.cfgserver.registry.statemachine;
