package io.cfgserver.registry.statemachine;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.CommandResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Carries a rejection from {@code startTransaction} on the leader back to the client, through
 * Ratis. Ratis ships only the class name and the message of the exception and wraps it into a
 * {@code StateMachineException} whose message is {@code "<class> from Server <id>: <message>"};
 * so the message is {@link #MARKER} followed by the JSON of the {@link CommandResult}, and
 * {@link #decode(Throwable)} finds it in any message of the cause chain. Public with a
 * {@code (String)} constructor because Ratis re-creates it by reflection on the client side.
 */
public class RejectedAtLeaderException extends IOException {
    public static final String MARKER = "cfgserver-rejected:";

    public RejectedAtLeaderException(String message) {
        super(message);
    }

    public static RejectedAtLeaderException of(CommandResult rejection) {
        return new RejectedAtLeaderException(MARKER + new String(Json.write(rejection), StandardCharsets.UTF_8));
    }

    /** The rejection carried by {@code t} or one of its causes, if any. */
    public static Optional<CommandResult> decode(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String message = c.getMessage();
            int at = message == null ? -1 : message.indexOf(MARKER);
            if (at >= 0) {
                String json = message.substring(at + MARKER.length());
                try {
                    return Optional.of(Json.read(json.getBytes(StandardCharsets.UTF_8), CommandResult.class));
                } catch (RuntimeException e) {
                    throw new IllegalStateException("a rejection from the leader could not be decoded: " + message, e);
                }
            }
        }
        return Optional.empty();
    }
}
