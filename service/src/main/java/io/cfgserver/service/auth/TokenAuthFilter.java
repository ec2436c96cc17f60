package io.cfgserver.service.auth;

import io.cfgserver.service.api.ApiError;
import io.dropwizard.auth.AuthFilter;
import io.dropwizard.auth.UnauthorizedHandler;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;
import java.util.Optional;

/**
 * Who is calling: {@code Authorization: Bearer <token>} looked up in the {@link TokenStore}. A token
 * that matches no user is refused at once (401). A request without one goes on as the anonymous
 * viewer when {@code auth.anonymousReads} allows it, or with no caller at all — then any method that
 * needs a role answers 401 ({@link RoleCheck}). With no token configured, everyone is an admin (the
 * service warns at start). Runs on every request, after matching, so path parameters are known to
 * the {@link CallerAuthorizer}.
 */
@Priority(Priorities.AUTHENTICATION)
public final class TokenAuthFilter extends AuthFilter<String, Caller> {
    public static final String UNKNOWN_TOKEN_PROPERTY = "cfgserver.auth.unknownToken";
    private final TokenStore store;

    public TokenAuthFilter(TokenStore store) {
        this.store = store;
        this.prefix = "Bearer";
        this.realm = "cfgserver";
        this.authenticator = token -> store.lookup(token);
        this.authorizer = new CallerAuthorizer();
        this.unauthorizedHandler = new JsonUnauthorized();
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (!store.enabled()) {
            setAnonymous(request, Caller.UNAUTHENTICATED_ADMIN);
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            if (store.anonymousReads()) {
                setAnonymous(request, Caller.ANONYMOUS_VIEWER);
            }
            return;
        }
        String token = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        if (token == null || token.isEmpty()) {
            throw new WebApplicationException(ApiError.response(401, "unauthorized",
                    "send the token as 'Authorization: Bearer <token>'"));
        }
        if (!authenticate(request, token, "Bearer")) {
            request.setProperty(UNKNOWN_TOKEN_PROPERTY, TokenStore.fingerprint(token));
            throw new WebApplicationException(ApiError.response(401, "unauthorized",
                    "the bearer token is not one of the configured tokens (auth.users / auth.token): check it, or ask an admin for one"));
        }
    }

    private void setAnonymous(ContainerRequestContext request, Caller caller) {
        SecurityContext original = request.getSecurityContext();
        request.setSecurityContext(new SecurityContext() {
            @Override
            public Principal getUserPrincipal() {
                return caller;
            }

            @Override
            public boolean isUserInRole(String role) {
                return authorizer.authorize(caller, role, request);
            }

            @Override
            public boolean isSecure() {
                return original != null && original.isSecure();
            }

            @Override
            public String getAuthenticationScheme() {
                return null;
            }
        });
    }

    /** The caller of a request, once this filter ran. */
    public static Optional<Caller> caller(ContainerRequestContext request) {
        SecurityContext sc = request.getSecurityContext();
        return sc != null && sc.getUserPrincipal() instanceof Caller c ? Optional.of(c) : Optional.empty();
    }

    private static final class JsonUnauthorized implements UnauthorizedHandler {
        @Override
        public Response buildResponse(String prefix, String realm) {
            return ApiError.response(401, "unauthorized", "send a valid token as 'Authorization: Bearer <token>'");
        }
    }
}
