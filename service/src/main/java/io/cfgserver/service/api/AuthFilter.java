package io.cfgserver.service.api;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * Every state-changing request (POST, PUT, PATCH, DELETE) must carry
 * {@code Authorization: Bearer <token>}: the admin API is a failover button. Reads stay open.
 */
@Priority(Priorities.AUTHENTICATION)
public final class AuthFilter implements ContainerRequestFilter {
    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");
    private final byte[] token;

    public AuthFilter(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (!MUTATING.contains(request.getMethod())) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.startsWith("Bearer ")) {
            request.abortWith(ApiError.response(401, "unauthorized",
                    "state-changing requests need 'Authorization: Bearer <token>' (auth.token in the service config)"));
            return;
        }
        byte[] given = header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token)) {
            request.abortWith(ApiError.response(403, "forbidden", "the bearer token is not the one configured in auth.token"));
        }
    }
}
