package io.cfgserver.service.jobs;

import io.cfgserver.registry.CfgServerException;

/** A job request that cannot be served now, with the HTTP status and a message saying why. */
public class JobException extends CfgServerException {
    private final int status;
    private final String error;

    public JobException(int status, String error, String message) {
        super(message);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }
}
