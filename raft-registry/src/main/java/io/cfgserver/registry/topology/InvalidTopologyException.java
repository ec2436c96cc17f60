package io.cfgserver.registry.topology;

import io.cfgserver.registry.CfgServerException;

/** A value that can never form a valid topology (a bad port, a malformed address). */
public class InvalidTopologyException extends CfgServerException {
    public InvalidTopologyException(String message) {
        super(message);
    }
}
