package io.cfgserver.service.auth;

import java.security.Principal;
import java.util.List;

/**
 * Who sent a request: the name given to a token in the config, its role, and for the
 * {@code proxy} role the proxies it speaks for ({@code cluster/proxyId}, {@code cluster/*}).
 */
public record Caller(String name, Role role, List<String> proxies) implements Principal {
    public static final Caller ANONYMOUS_VIEWER = new Caller("anonymous", Role.VIEWER, List.of());
    /** Authentication is off ({@code auth:} names no token and no user): everyone may do everything. */
    public static final Caller UNAUTHENTICATED_ADMIN = new Caller("anonymous", Role.ADMIN, List.of());

    public Caller {
        proxies = proxies == null ? List.of() : List.copyOf(proxies);
    }

    @Override
    public String getName() {
        return name;
    }

    /** A proxy caller speaks for {@code proxyId} of {@code cluster} ({@code proxyId} null: any proxy of it). */
    public boolean speaksFor(String cluster, String proxyId) {
        if (role != Role.PROXY || cluster == null) {
            return false;
        }
        for (String scope : proxies) {
            int slash = scope.indexOf('/');
            String c = scope.substring(0, slash);
            String p = scope.substring(slash + 1);
            if (c.equals(cluster) && (p.equals("*") || proxyId == null || p.equals(proxyId))) {
                return true;
            }
        }
        return false;
    }
}
