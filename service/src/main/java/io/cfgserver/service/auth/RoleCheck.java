package io.cfgserver.service.auth;

import io.cfgserver.service.api.ApiError;
import jakarta.annotation.Priority;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.SecurityContext;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

/**
 * {@code @RolesAllowed} on resource methods (or their class), checked against the caller that
 * {@link TokenAuthFilter} found: no caller → 401, a caller without any of the roles → 403, both
 * with a message naming the roles needed. A resource method with neither {@code @RolesAllowed} nor
 * {@code @PermitAll} is refused to everyone (fail closed; a unit test keeps every method annotated).
 */
public final class RoleCheck implements DynamicFeature {
    @Override
    public void configure(ResourceInfo resource, FeatureContext context) {
        Method m = resource.getResourceMethod();
        if (m == null || resource.getResourceClass() == null
                || !resource.getResourceClass().isAnnotationPresent(jakarta.ws.rs.Path.class)) {
            return; // Jersey's own handlers (OPTIONS, WADL): no resource of ours behind them
        }
        List<String> allowed = allowedRoles(m, resource.getResourceClass());
        if (allowed == null) {
            return;
        }
        context.register(new Check(allowed, m.getDeclaringClass().getSimpleName() + "." + m.getName()));
    }

    /** The roles a method needs (its own, else its class's); null for {@code @PermitAll}, empty for none. */
    public static List<String> allowedRoles(Method m, Class<?> resourceClass) {
        if (m.isAnnotationPresent(PermitAll.class)) {
            return null;
        }
        RolesAllowed roles = m.getAnnotation(RolesAllowed.class);
        if (roles == null) {
            roles = resourceClass.getAnnotation(RolesAllowed.class);
        }
        return roles == null ? List.of() : Arrays.asList(roles.value());
    }

    @Priority(Priorities.AUTHORIZATION)
    private static final class Check implements ContainerRequestFilter {
        private final List<String> allowed;
        private final String method;

        Check(List<String> allowed, String method) {
            this.allowed = allowed;
            this.method = method;
        }

        @Override
        public void filter(ContainerRequestContext request) {
            if (allowed.isEmpty()) {
                throw new WebApplicationException(ApiError.response(403, "forbidden",
                        method + " declares no roles, so nobody may call it (a bug: report it)"));
            }
            SecurityContext sc = request.getSecurityContext();
            if (sc == null || !(sc.getUserPrincipal() instanceof Caller caller)) {
                throw new WebApplicationException(ApiError.response(401, "unauthorized",
                        "this request needs 'Authorization: Bearer <token>' with a token of role " + describe(allowed)));
            }
            for (String role : allowed) {
                if (sc.isUserInRole(role)) {
                    return;
                }
            }
            if (caller == Caller.ANONYMOUS_VIEWER) { // no token was sent: authenticate first
                throw new WebApplicationException(ApiError.response(401, "unauthorized",
                        "this request needs 'Authorization: Bearer <token>' with a token of role " + describe(allowed)));
            }
            String scope = caller.role() == Role.PROXY ? " for proxies " + caller.proxies() : "";
            throw new WebApplicationException(ApiError.response(403, "forbidden", "this request needs role "
                    + describe(allowed) + "; the token of '" + caller.name() + "' has role " + caller.role().label() + scope));
        }
    }

    static String describe(List<String> roles) {
        // the hierarchy: naming the lowest role is enough for viewer/operator/admin
        StringBuilder sb = new StringBuilder();
        for (String r : roles) {
            String text = switch (r) {
                case Role.VIEWER_NAME -> "viewer (or operator, admin)";
                case Role.OPERATOR_NAME -> "operator (or admin)";
                case Role.PROXY_NAME -> "proxy (for this cluster and proxy id)";
                default -> r;
            };
            if (sb.length() > 0) {
                sb.append(" or ");
            }
            sb.append(text);
        }
        return sb.toString();
    }
}
