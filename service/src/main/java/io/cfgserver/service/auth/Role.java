package io.cfgserver.service.auth;

import java.util.Locale;

/**
 * What a token may do. {@code admin} can do what {@code operator} can, which can do what
 * {@code viewer} can; {@code proxy} stands apart: an agent's token, which may read its cluster's
 * topology, renew the lease and ack the version of its own proxy ids, and post events — and nothing
 * that could fail anything over.
 */
public enum Role {
    VIEWER, OPERATOR, ADMIN, PROXY;

    /** Names for {@code @RolesAllowed}. */
    public static final String VIEWER_NAME = "viewer";
    public static final String OPERATOR_NAME = "operator";
    public static final String ADMIN_NAME = "admin";
    public static final String PROXY_NAME = "proxy";

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a caller of this role holds {@code required} (proxy scope aside). */
    public boolean holds(Role required) {
        return switch (required) {
            case VIEWER -> this == VIEWER || this == OPERATOR || this == ADMIN;
            case OPERATOR -> this == OPERATOR || this == ADMIN;
            case ADMIN -> this == ADMIN;
            case PROXY -> this == PROXY;
        };
    }

    public static Role parse(String s) {
        if (s != null) {
            for (Role r : values()) {
                if (r.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException("role '" + s + "' is not one of viewer, operator, admin, proxy");
    }
}
