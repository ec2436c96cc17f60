package io.cfgserver.activities.config;

/**
 * The config on one instance after a rollout step.
 *
 * @param role     {@code master} or {@code replica} when set
 * @param outcome  {@code set}, or {@code skipped} (banned or stale: the next rollout or a drift repair reaches it)
 * @param detail   what happened: parameters set and whether they were persisted (CONFIG REWRITE)
 */
public record InstanceApplied(String address, String role, String outcome, String detail) {
}
