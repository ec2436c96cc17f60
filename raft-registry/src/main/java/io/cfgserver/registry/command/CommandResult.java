package io.cfgserver.registry.command;

/**
 * What applying a command returned. A rejection is a result, not a failure of the node: the
 * state is unchanged and {@code message} says what to fix.
 *
 * @param version the cluster's topology version after the command (0 if the cluster is gone)
 * @param index   the Raft log index the command was applied at (0 when rejected before the log)
 */
public record CommandResult(boolean ok, RejectCode code, String message, long version, long index) {
    public static CommandResult ok(long version) {
        return new CommandResult(true, null, null, version, 0);
    }

    public static CommandResult rejected(RejectCode code, String message) {
        return new CommandResult(false, code, message, 0, 0);
    }

    public CommandResult atIndex(long logIndex) {
        return new CommandResult(ok, code, message, version, logIndex);
    }
}
