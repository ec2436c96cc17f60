package io.cfgserver.registry.command;

import io.cfgserver.registry.topology.AuditEntry;

/**
 * Appends a line to the audit log ({@code entry.seq} is ignored: the log numbers its lines).
 * {@code cluster} is the cluster the request was about, or empty for registry-wide requests; the
 * cluster need not exist (a refused request may name any).
 */
public record RecordAudit(String cluster, AuditEntry entry, long atMillis) implements Command {
}
