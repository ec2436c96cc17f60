package io.cfgserver.service.auth;

import io.cfgserver.registry.topology.AuditEntry;
import io.cfgserver.service.api.ApiError;
import jakarta.annotation.Priority;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Context;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns requests into audit lines: every state-changing request (POST, PUT, PATCH, DELETE) whatever
 * its outcome, and every refused one (401, 403) whatever its method (repeats collapsed by
 * {@link AuditLog}). A proxy agent's renewals are not audited unless refused: they are heartbeats,
 * several a second per proxy, and their effect shows as the proxy's standing. The start of the request body is kept
 * ({@value AuditEntry#MAX_BODY} characters), copied as the resource reads it.
 */
@PreMatching
@Priority(100)
public final class AuditFilter implements ContainerRequestFilter, ContainerResponseFilter {
    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final String BODY = "cfgserver.audit.body";
    private static final Pattern CLUSTER = Pattern.compile("^/?v1/clusters/([^/?]+)");

    private final AuditLog log;
    private final String peerId;
    private final Clock clock;

    @Context
    private HttpServletRequest servletRequest;

    public AuditFilter(AuditLog log, String peerId, Clock clock) {
        this.log = log;
        this.peerId = peerId;
        this.clock = clock;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (MUTATING.contains(request.getMethod()) && request.hasEntity()) {
            Head head = new Head(request.getEntityStream());
            request.setEntityStream(head);
            request.setProperty(BODY, head);
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        int status = response.getStatus();
        boolean refused = status == 401 || status == 403;
        if (!MUTATING.contains(request.getMethod()) && !refused) {
            return;
        }
        Caller caller = TokenAuthFilter.caller(request).orElse(null);
        if (caller != null && caller.role() == Role.PROXY && !refused && request.getUriInfo().getPath().endsWith("/lease")) {
            return; // an agent's renewals are heartbeats, several a second: only a refused one is audited
        }
        String who;
        if (caller != null) {
            who = caller.name();
        } else if (request.getProperty(TokenAuthFilter.UNKNOWN_TOKEN_PROPERTY) instanceof String fp) {
            who = "unknown-token:" + fp;
        } else {
            who = "anonymous";
        }
        String outcome = status < 400 ? "ok" : refused ? "refused" : status < 500 ? "rejected" : "failed";
        String message = response.getEntity() instanceof ApiError e ? e.message() : "";
        String path = "/" + request.getUriInfo().getPath(false).replaceFirst("^/", "");
        String query = request.getUriInfo().getRequestUri().getRawQuery();
        if (query != null) {
            path += "?" + query;
        }
        String body = request.getProperty(BODY) instanceof Head h ? h.text() : "";
        Matcher m = CLUSTER.matcher(path);
        String cluster = m.find() ? m.group(1) : "";
        log.record(cluster, new AuditEntry(0, clock.millis(), who, caller == null ? "" : caller.role().label(), from(),
                peerId, request.getMethod(), path, body, status, outcome, message));
    }

    private String from() {
        try {
            return servletRequest == null ? "" : servletRequest.getRemoteAddr() + ":" + servletRequest.getRemotePort();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Copies the first {@value AuditEntry#MAX_BODY} bytes that pass through. */
    private static final class Head extends FilterInputStream {
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

        Head(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && copy.size() < AuditEntry.MAX_BODY) {
                copy.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                copy.write(buf, off, Math.min(n, AuditEntry.MAX_BODY - copy.size()));
            }
            return n;
        }

        String text() {
            return copy.toString(StandardCharsets.UTF_8);
        }
    }
}
