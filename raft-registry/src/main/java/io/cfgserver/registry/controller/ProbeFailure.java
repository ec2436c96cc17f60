package io.cfgserver.registry.controller;

/**
 * Why a probe got no valid reply. The controller tells a crashed process (its host lives and refuses
 * the connection) from an unreachable one (a partition, a dead host: nothing answers at all) and
 * from a live one that answers with an error.
 */
public enum ProbeFailure {
    /**
     * The connection attempt was refused (ECONNREFUSED), or the kept-open connection was closed or
     * reset before a reply and the immediate reconnect in the same probe was refused or closed
     * without a reply too (a TCP relay in front of a dead redis accepts, then closes): the process
     * is gone and its host is up.
     */
    REFUSED,
    /** Connect or read timed out, or there is no route to the host: nothing can be said of the process. */
    TIMEOUT,
    /** Redis answered with an error ({@code -LOADING}, {@code -BUSY}, {@code -MASTERDOWN}, ...): the process lives. */
    ERROR_REPLY,
    /** Anything else (an unexpected answer, a local I/O error, a test hook). */
    OTHER
}
