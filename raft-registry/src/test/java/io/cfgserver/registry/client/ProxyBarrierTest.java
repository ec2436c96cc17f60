package io.cfgserver.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.registry.Json;
import io.cfgserver.registry.command.Command;
import io.cfgserver.registry.command.CommandResult;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.command.ProxySpec;
import io.cfgserver.registry.command.RecordEvent;
import io.cfgserver.registry.command.RenewLease;
import io.cfgserver.registry.statemachine.RegistryStateMachine;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.RegistryState;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The barrier on a state machine driven directly: it wakes on the ack's apply, not on a poll. */
class ProxyBarrierTest {
    final RegistryStateMachine sm = new RegistryStateMachine();
    final AtomicLong index = new AtomicLong();
    /** A registry whose reads are the state machine's and which polls nothing: awaitChange waits on its notification. */
    final RegistryClient registry = new RegistryClient() {
        @Override
        public CommandResult submit(Command command) {
            throw new UnsupportedOperationException();
        }

        @Override
        public RegistryState read() {
            return sm.state();
        }

        @Override
        public RegistryState readLocal() {
            return sm.state();
        }

        @Override
        public Optional<Cluster> awaitVersion(String cluster, long afterVersion, Duration timeout) throws InterruptedException {
            return sm.awaitVersion(cluster, afterVersion, timeout);
        }

        @Override
        public RegistryState awaitChange(RegistryState seen, Duration timeout) throws InterruptedException {
            return sm.awaitChange(seen, timeout);
        }

        final java.util.Map<String, Long> acks = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void noteAck(String cluster, long incarnation, String proxy, long version) {
            acks.merge(cluster + incarnation + proxy, version, Math::max);
            sm.poke();
        }

        @Override
        public long notedAck(String cluster, long incarnation, String proxy) {
            return acks.getOrDefault(cluster + incarnation + proxy, 0L);
        }

        @Override
        public RegistryInfo info() {
            throw new UnsupportedOperationException();
        }
    };

    @AfterEach
    void close() throws Exception {
        sm.close();
    }

    void apply(Command c) throws Exception {
        TransactionContext trx = TransactionContext.newBuilder()
                .setServerRole(RaftPeerRole.FOLLOWER)
                .setStateMachine(sm)
                .setLogEntry(LogProtoUtils.toLogEntryProto(StateMachineLogEntryProto.newBuilder()
                        .setLogData(ByteString.copyFrom(Json.write(c))).build(), 1, index.incrementAndGet()))
                .build();
        sm.applyTransaction(trx).get();
    }

    long version() {
        return sm.state().cluster("shop").orElseThrow().version();
    }

    @Test
    void returnsOnTheApplyOfTheLastAck() throws Exception {
        apply(new CreateCluster("shop", List.of(new GroupSpec("g1", Address.parse("127.0.0.1:7001"), List.of())),
                List.of(new ProxySpec("p1", Address.parse("127.0.0.1:22121"))), 1_000));
        long now = System.currentTimeMillis();
        apply(new RenewLease("shop", "p1", 0, now + 60_000, now));
        long v = version();

        CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
            try {
                long t0 = System.nanoTime();
                ProxyBarrier.await(registry, "shop", v, Duration.ofSeconds(30), Clock.systemUTC());
                return System.nanoTime() - t0;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        apply(new RecordEvent("shop", "+x", "proxy-[p1]", "an unrelated change wakes it, and it waits on", now));
        Thread.sleep(100);
        assertThat(waited).isNotDone();
        long acked = System.nanoTime();
        apply(new RenewLease("shop", "p1", v, now + 60_000, now));
        waited.get(5, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acked)).isLessThan(1_000);
    }

    @Test
    void givesUpAtTheTimeoutNamingTheLaggingProxy() throws Exception {
        apply(new CreateCluster("shop", List.of(new GroupSpec("g1", Address.parse("127.0.0.1:7001"), List.of())),
                List.of(new ProxySpec("p1", Address.parse("127.0.0.1:22121"))), 1_000));
        long now = System.currentTimeMillis();
        apply(new RenewLease("shop", "p1", 0, now + 60_000, now));
        assertThatThrownBy(() -> ProxyBarrier.await(registry, "shop", version(), Duration.ofMillis(200), Clock.systemUTC()))
                .isInstanceOf(ProxyBarrier.ProxiesLagException.class).hasMessageContaining("p1");
    }

    @Test
    void aLeaseThatEndsSettlesTheProxyWithoutAnyApply() throws Exception {
        apply(new CreateCluster("shop", List.of(new GroupSpec("g1", Address.parse("127.0.0.1:7001"), List.of())),
                List.of(new ProxySpec("p1", Address.parse("127.0.0.1:22121"))), 1_000));
        long now = System.currentTimeMillis();
        apply(new RenewLease("shop", "p1", 0, now + 300, now));
        Cluster c = ProxyBarrier.await(registry, "shop", version(), Duration.ofSeconds(10), Clock.systemUTC());
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(now + 300);
        assertThat(c.name()).isEqualTo("shop");
    }

    @Test
    void countsAnAckNotedBeforeItsRenewalCommits() throws Exception {
        apply(new CreateCluster("shop", List.of(new GroupSpec("g1", Address.parse("127.0.0.1:7001"), List.of())),
                List.of(new ProxySpec("p1", Address.parse("127.0.0.1:22121"))), 1_000));
        long now = System.currentTimeMillis();
        apply(new RenewLease("shop", "p1", 0, now + 60_000, now));
        long v = version();
        long created = sm.state().cluster("shop").orElseThrow().createdMillis();
        CompletableFuture<Cluster> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return ProxyBarrier.await(registry, "shop", v, Duration.ofSeconds(30), Clock.systemUTC());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        registry.noteAck("shop", created + 1, "p1", v); // another incarnation of the cluster: does not count
        Thread.sleep(100);
        assertThat(waited).isNotDone();
        registry.noteAck("shop", created, "p1", v);
        assertThat(waited.get(5, TimeUnit.SECONDS).name()).isEqualTo("shop");
    }
}
