package io.cfgserver.registry.topology;

/**
 * One line of the audit log: who asked what, from where, when, and how it ended. Written for
 * every state-changing request and every refused one, by the peer that served it.
 *
 * @param seq      position in the audit log (1, 2, ...), assigned when applied
 * @param atMillis when the peer answered, by its clock
 * @param who      the caller's name from the token ({@code anonymous}, or {@code unknown-token:<hash prefix>})
 * @param role     the caller's role ({@code viewer}, {@code operator}, {@code admin}, {@code proxy}) or empty
 * @param from     the client's address as the peer saw it
 * @param peer     the registry peer that served the request
 * @param method   HTTP method
 * @param path     path and query
 * @param body     the start of the request body (at most {@link #MAX_BODY} characters)
 * @param status   the HTTP status answered
 * @param outcome  {@code ok}, {@code refused} (401/403), {@code rejected} (other 4xx) or {@code failed} (5xx)
 * @param message  the error message answered, empty on success
 */
public record AuditEntry(long seq, long atMillis, String who, String role, String from, String peer, String method,
        String path, String body, int status, String outcome, String message) {
    public static final int MAX_BODY = 1024;
    public static final int MAX_FIELD = 512;
}
