package io.cfgserver.service.auth;

import io.dropwizard.auth.Authorizer;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;

/**
 * Whether a caller holds a role for this request: the role hierarchy, and for {@code proxy} the
 * scope — the request's {@code {name}} (cluster) and, where the path has one, {@code {id}} (proxy)
 * must be among the proxies the token speaks for.
 */
public final class CallerAuthorizer implements Authorizer<Caller> {
    @Override
    public boolean authorize(Caller caller, String role, ContainerRequestContext request) {
        Role required = Role.parse(role);
        if (!caller.role().holds(required)) {
            return false;
        }
        if (required != Role.PROXY) {
            return true;
        }
        MultivaluedMap<String, String> params = request == null ? null : request.getUriInfo().getPathParameters();
        String cluster = params == null ? null : params.getFirst("name");
        String proxy = params == null ? null : params.getFirst("id");
        return caller.speaksFor(cluster, proxy);
    }
}
