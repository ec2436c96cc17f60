package io.cfgserver.registry;

/**
 * Root of cfgserver's unchecked exceptions. Each feature has its own subclass; messages say
 * what was wrong and what to do about it.
 */
public class CfgServerException extends RuntimeException {
    public CfgServerException(String message) {
        super(message);
    }

    public CfgServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
