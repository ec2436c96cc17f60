package io.cfgserver.registry.controller;

/** The role an instance reports in {@code INFO replication} ({@code role:master} / {@code role:slave}). */
public enum ProbeRole {
    MASTER("master"),
    REPLICA("slave"),
    /** Not reported (an answer without a role line). */
    UNKNOWN("unknown");

    private final String wire;

    ProbeRole(String wire) {
        this.wire = wire;
    }

    /** As Redis says it: {@code master}, {@code slave}. */
    public String wire() {
        return wire;
    }

    public static ProbeRole parse(String s) {
        for (ProbeRole r : values()) {
            if (r.wire.equals(s)) {
                return r;
            }
        }
        return UNKNOWN;
    }

    @Override
    public String toString() {
        return wire;
    }
}
