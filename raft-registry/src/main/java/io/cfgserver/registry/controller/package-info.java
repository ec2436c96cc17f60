/**
 * Stop-loss on the registry leader: probing (on every peer), two-level failure detection
 * (subjective by this peer's probes, objective by a majority of peers), the persisted failover and
 * switchover state machine, replica bans and the demotion of returning masters. No Temporal here:
 * it must work while Temporal is down. Touches Redis only through its probes and the few commands
 * in {@code RedisCommands}.
 */
package io.cfgserver.registry.controller;
