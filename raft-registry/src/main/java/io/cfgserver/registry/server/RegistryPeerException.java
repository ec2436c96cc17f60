package io.cfgserver.registry.server;

import io.cfgserver.registry.CfgServerException;

/** A registry peer could not start, or a membership change failed; the message says what to check. */
public class RegistryPeerException extends CfgServerException {
    public RegistryPeerException(String message, Throwable cause) {
        super(message, cause);
    }
}
