package io.cfgserver.registry.server;

import io.cfgserver.registry.CfgServerException;

/** A {@link PeerConfig} or a new membership is unusable; the message says what to change. */
public class InvalidPeerConfigException extends CfgServerException {
    public InvalidPeerConfigException(String message) {
        super(message);
    }
}
