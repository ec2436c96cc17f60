package io.cfgserver.registry.command;

/** Why a command was refused; the REST layer maps these to 422, 404 and 409. */
public enum RejectCode {
    /** The command is malformed or impossible whatever the state. */
    INVALID,
    /** It names a cluster, group, instance, proxy or job that does not exist. */
    NOT_FOUND,
    /** It conflicts with the current state (a duplicate, a lock held, slots still owned). */
    CONFLICT
}
