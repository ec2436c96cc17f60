package io.cfgserver.registry.client;

import io.cfgserver.registry.CfgServerException;

/** No leader answered in time (no majority, or this peer is cut off). Safe to retry. */
public class RegistryUnavailableException extends CfgServerException {
    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
