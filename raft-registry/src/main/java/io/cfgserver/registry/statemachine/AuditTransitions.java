package io.cfgserver.registry.statemachine;

import static io.cfgserver.registry.statemachine.Transitions.invalid;
import static io.cfgserver.registry.statemachine.Transitions.nullToEmpty;
import static io.cfgserver.registry.statemachine.Transitions.ok;

import io.cfgserver.registry.command.RecordAudit;
import io.cfgserver.registry.statemachine.Transitions.Outcome;
import io.cfgserver.registry.topology.AuditEntry;
import io.cfgserver.registry.topology.RegistryState;

/** The audit log: lines appended, bounded, never changed. */
final class AuditTransitions {
    private AuditTransitions() {
    }

    static Outcome applyRecordAudit(RegistryState s, RecordAudit c) {
        AuditEntry e = c.entry();
        if (e == null) {
            throw invalid("an audit line needs an entry");
        }
        if (e.method() == null || e.method().isBlank() || e.path() == null || e.path().isBlank()) {
            throw invalid("an audit line needs the request's method and path");
        }
        if (e.status() < 100 || e.status() > 599) {
            throw invalid("an audit line's status must be an HTTP status, got " + e.status());
        }
        AuditEntry bounded = new AuditEntry(0, c.atMillis(), cut(e.who(), AuditEntry.MAX_FIELD), cut(e.role(), 32),
                cut(e.from(), 128), cut(e.peer(), 64), cut(e.method(), 16), cut(e.path(), AuditEntry.MAX_FIELD),
                cut(e.body(), AuditEntry.MAX_BODY), e.status(), cut(e.outcome(), 16), cut(e.message(), AuditEntry.MAX_FIELD));
        return ok(s.withAudit(bounded), 0);
    }

    private static String cut(String v, int max) {
        String t = nullToEmpty(v);
        return t.length() <= max ? t : t.substring(0, max);
    }
}
