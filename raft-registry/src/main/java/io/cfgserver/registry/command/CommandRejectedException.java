package io.cfgserver.registry.command;

import io.cfgserver.registry.CfgServerException;

/** The registry refused a command; nothing changed. */
public class CommandRejectedException extends CfgServerException {
    private final RejectCode code;

    public CommandRejectedException(RejectCode code, String message) {
        super(message);
        this.code = code;
    }

    public RejectCode code() {
        return code;
    }
}
