package io.cfgserver.registry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfgserver.registry.client.RegistryInfo.PeerInfo;
import io.cfgserver.registry.command.CreateCluster;
import io.cfgserver.registry.command.GroupSpec;
import io.cfgserver.registry.statemachine.RegistryStateMachine;
import io.cfgserver.registry.topology.Address;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real peers in this JVM with mutual TLS on the Raft transport, certificates from
 * {@code deploy/tls/make-certs.sh}: they elect, replicate and answer each other's questions; a
 * peer whose certificate another CA signed cannot join, and a plaintext client cannot write.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RegistryTlsIT {
    static final Duration ELECTION = Duration.ofSeconds(20);
    static final Path MAKE_CERTS = Path.of("..", "deploy", "tls", "make-certs.sh");

    @TempDir
    Path dir;
    RegistryCluster cluster;
    final List<RegistryPeer> others = new ArrayList<>();

    @AfterEach
    void closeEveryPeer() {
        others.forEach(RegistryPeer::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Runs the script: a CA in {@code certs} (made once, reused) and a certificate per peer. */
    static void makeCerts(Path certs, String... peers) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", MAKE_CERTS.toString(), certs.toString()));
        command.addAll(List.of(peers));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    static PeerTls tls(Path certs, String peer) {
        return new PeerTls(certs.resolve(peer + ".pem"), certs.resolve(peer + "-key.pem"), certs.resolve("ca.pem"));
    }

    static CreateCluster createCluster(String name) {
        return new CreateCluster(name, List.of(new GroupSpec("g1", Address.parse("127.0.0.1:7001"), List.of())),
                List.of(), 1_000);
    }

    @Test
    void peersReplicateAndAskEachOtherOverMutualTlsAndShutOutOthers() throws Exception {
        Path certs = dir.resolve("certs");
        makeCerts(certs, "cfg1", "cfg2", "cfg3");
        cluster = RegistryCluster.start(3, dir.resolve("data"), c -> c.withTls(tls(certs, c.id())));
        RegistryPeer leader = cluster.awaitLeader(ELECTION);
        RegistryPeer follower = cluster.other(leader);

        follower.submit(createCluster("tls"));
        for (RegistryPeer p : cluster.running()) {
            assertThat(p.read().cluster("tls")).as(p.id()).isPresent();
        }
        follower.setPeerQueryHandler(q -> "heard " + q);
        assertThat(leader.askPeer(follower.id(), "ping").get(10, TimeUnit.SECONDS)).isEqualTo("heard ping");

        // a plaintext Ratis client reaches the port but is never served (a read barrier would answer at once)
        RaftProperties plain = new RaftProperties();
        List<RaftPeer> raftPeers = cluster.members().stream()
                .map(m -> RaftPeer.newBuilder().setId(m.id()).setAddress(m.address()).build()).toList();
        try (RaftClient client = RaftClient.newBuilder().setProperties(plain)
                .setRaftGroup(RaftGroup.valueOf(RaftGroupId.valueOf(PeerConfig.DEFAULT_GROUP_ID), raftPeers))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build()) {
            assertThatThrownBy(() -> client.io().sendReadOnly(Message.valueOf(RegistryStateMachine.BARRIER)))
                    .isInstanceOf(IOException.class).isNotInstanceOf(StateMachineException.class);
        }

        // a peer with a certificate of another CA: the group cannot reach it, it cannot reach the group
        Path intruderCerts = dir.resolve("intruder");
        makeCerts(intruderCerts, "cfg4");
        List<PeerInfo> withIntruder = new ArrayList<>(cluster.members());
        withIntruder.add(new PeerInfo("cfg4", "127.0.0.1:" + RegistryCluster.freePort()));
        RegistryPeer intruder = RegistryPeer.start(PeerConfig.of("cfg4", withIntruder, dir.resolve("data"))
                .withTls(tls(intruderCerts, "cfg4")).withRequestTimeout(Duration.ofSeconds(3)));
        others.add(intruder);
        assertThatThrownBy(() -> leader.setPeers(withIntruder)).isInstanceOf(RegistryPeerException.class);
        assertThat(intruder.readLocal().cluster("tls")).isEmpty();
        assertThat(intruder.info().leaderId()).isNull();
        assertThat(cluster.awaitLeader(ELECTION).info().peers()).extracting(PeerInfo::id)
                .containsExactly("cfg1", "cfg2", "cfg3");
    }

    @Test
    void refusesToStartWhenATlsFileIsMissingAndNamesIt() throws Exception {
        Path certs = dir.resolve("certs");
        makeCerts(certs, "cfg1");
        PeerInfo self = new PeerInfo("cfg1", "127.0.0.1:" + RegistryCluster.freePort());
        Path missing = certs.resolve("nope.pem");
        PeerConfig config = PeerConfig.of("cfg1", List.of(self), dir.resolve("data"))
                .withTls(new PeerTls(certs.resolve("cfg1.pem"), certs.resolve("cfg1-key.pem"), missing));
        assertThatThrownBy(() -> RegistryPeer.start(config)).isInstanceOf(InvalidPeerConfigException.class)
                .hasMessageContaining("tls.caFile").hasMessageContaining(missing.toString());
        Files.writeString(certs.resolve("pkcs1.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        PeerConfig pkcs1 = config.withTls(new PeerTls(certs.resolve("cfg1.pem"), certs.resolve("pkcs1.pem"),
                certs.resolve("ca.pem")));
        assertThatThrownBy(() -> RegistryPeer.start(pkcs1)).isInstanceOf(InvalidPeerConfigException.class)
                .hasMessageContaining("tls.keyFile").hasMessageContaining("openssl pkcs8 -topk8");
    }
}
