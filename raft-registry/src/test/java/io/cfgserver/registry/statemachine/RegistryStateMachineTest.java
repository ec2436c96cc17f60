package io.cfgserver.registry.statemachine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.RejectCode;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.RegistryState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The state machine driven directly, as Ratis would, without a Raft server. */
class RegistryStateMachineTest {
    final RegistryStateMachine sm = new RegistryStateMachine();

    @AfterEach
    void close() throws Exception {
        sm.close();
    }

    /** A one-group cluster; the master's port is derived from the name (addresses are unique registry-wide). */
    static CreateCluster create(String name) {
        int port = 7000 + Math.floorMod(name.hashCode(), 1000);
        return new CreateCluster(name, List.of(new GroupSpec("g1", Address.parse("127.0.0.1:" + port), List.of())),
                List.of(), 1_000);
    }

    CommandResult apply(long index, byte[] data) throws Exception {
        TransactionContext trx = TransactionContext.newBuilder()
                .setServerRole(RaftPeerRole.FOLLOWER)
                .setStateMachine(sm)
                .setLogEntry(LogProtoUtils.toLogEntryProto(
                        StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(data)).build(), 1, index))
                .build();
        Message reply = sm.applyTransaction(trx).get();
        return Json.read(reply.getContent().toByteArray(), CommandResult.class);
    }

    CommandResult apply(long index, Command c) throws Exception {
        return apply(index, Json.write(c));
    }

    TransactionContext start(byte[] data) throws Exception {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(ClientId.randomId())
                .setServerId(RaftPeerId.valueOf("cfg1"))
                .setGroupId(RaftGroupId.randomId())
                .setCallId(1)
                .setMessage(Message.valueOf(ByteString.copyFrom(data)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        return sm.startTransaction(request);
    }

    @Test
    void appliesACommandAndReturnsItsResultAtTheLogIndex() throws Exception {
        CommandResult r = apply(7, create("shop"));

        assertThat(r).isEqualTo(new CommandResult(true, null, null, 1, 7));
        assertThat(sm.state().cluster("shop")).isPresent();
        assertThat(sm.getLastAppliedTermIndex().getIndex()).isEqualTo(7);
    }

    @Test
    void aRejectionAtApplyTimeIsAResultAndChangesNothing() throws Exception {
        apply(1, create("shop"));
        RegistryState before = sm.state();

        CommandResult r = apply(2, create("shop"));

        assertThat(r.ok()).isFalse();
        assertThat(r.code()).isEqualTo(RejectCode.CONFLICT);
        assertThat(r.index()).isEqualTo(2);
        assertThat(sm.state()).isSameAs(before);
        assertThat(sm.getLastAppliedTermIndex().getIndex()).isEqualTo(2);
    }

    @Test
    void anUndecodableEntryStopsThePeerInsteadOfBeingSkipped() throws Exception {
        apply(1, create("shop"));

        assertThatThrownBy(() -> apply(2, "{\"type\":\"FromTheFuture\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not decode")
                .hasMessageContaining("FromTheFuture");
        assertThat(sm.getLastAppliedTermIndex().getIndex()).isEqualTo(1);
    }

    @Test
    void startTransactionRefusesWhatIsAlreadyInvalidSoItNeverReachesTheLog() throws Exception {
        apply(1, create("shop"));

        TransactionContext duplicate = start(Json.write(create("shop")));
        TransactionContext garbage = start("not json".getBytes(StandardCharsets.UTF_8));
        TransactionContext fine = start(Json.write(create("other")));

        assertThat(RejectedAtLeaderException.decode(duplicate.getException()))
                .hasValueSatisfying(r -> assertThat(r.code()).isEqualTo(RejectCode.CONFLICT));
        assertThat(RejectedAtLeaderException.decode(garbage.getException()))
                .hasValueSatisfying(r -> assertThat(r.code()).isEqualTo(RejectCode.INVALID));
        assertThat(fine.getException()).isNull();
        assertThat(sm.state().cluster("other")).isEmpty(); // validation does not apply
    }

    @Test
    void theBarrierQueryReturnsTheAppliedIndex() throws Exception {
        apply(5, create("shop"));

        assertThat(sm.query(Message.valueOf(RegistryStateMachine.BARRIER)).get().getContent().toStringUtf8())
                .isEqualTo("5");
        assertThat(sm.query(Message.valueOf("what?"))).isCompletedExceptionally();
    }

    @Test
    void leaderListenersHearEachChangeOnceAndInOrder() {
        List<Boolean> early = new CopyOnWriteArrayList<>();
        List<Boolean> late = new CopyOnWriteArrayList<>();
        sm.addLeaderListener(early::add);

        sm.notifyLeaderReady();
        sm.notifyLeaderReady();
        sm.addLeaderListener(late::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> late.size() == 1);
        sm.notifyNotLeader(List.of());
        sm.notifyLeaderChanged(RaftGroupMemberId.valueOf(RaftPeerId.valueOf("cfg1"), RaftGroupId.randomId()),
                RaftPeerId.valueOf("cfg2"));

        await().atMost(Duration.ofSeconds(5)).until(() -> early.size() == 2 && late.size() == 2);
        assertThat(early).containsExactly(true, false);
        assertThat(late).containsExactly(true, false);
        assertThat(sm.isLeader()).isFalse();
    }
}
