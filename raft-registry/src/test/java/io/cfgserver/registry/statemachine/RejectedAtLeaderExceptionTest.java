package io.cfgserver.registry.statemachine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.RejectCode;
import java.io.IOException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.junit.jupiter.api.Test;

class RejectedAtLeaderExceptionTest {

    @Test
    void survivesTheWrappingRatisAppliesOnTheWayToTheClient() {
        CommandResult rejection = CommandResult.rejected(RejectCode.CONFLICT,
                "cluster-[shop] exists already: pick another name: \"quoted\" and: colons");
        RejectedAtLeaderException sent = RejectedAtLeaderException.of(rejection);
        // What the Ratis client rebuilds: the class by name with the message, wrapped with a prefix.
        StateMachineException received = new StateMachineException(
                sent.getClass().getName() + " from Server s1@group-1: " + sent.getMessage(), new IOException("x"));

        assertThat(RejectedAtLeaderException.decode(received)).contains(rejection);
        assertThat(RejectedAtLeaderException.decode(new StateMachineException("s1", sent))).contains(rejection);
    }

    @Test
    void findsNothingInOtherFailures() {
        assertThat(RejectedAtLeaderException.decode(new StateMachineException("disk full"))).isEmpty();
    }
}
