package io.cfgserver.registry.controller;

import static io.cfgserver.registry.controller.FakeFleet.Health.REFUSED;
import static io.cfgserver.registry.controller.FakeFleet.Health.SILENT;
import static io.cfgserver.registry.controller.FakeFleet.Health.UP;
import static org.assertj.core.api.Assertions.assertThat;

import io.cfgserver.registry.command.BeginFailover;
import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Policy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Detection rules (docs/failover.md), each against the test clock: subjective down by silence and by
 * refusal, objective down by a majority (silence) or by every peer (refusal), TILT. The model: Sentinel's
 * down-condition tests.
 */
class DetectionTest {
    static final String M1 = "127.0.0.1:7001";

    @Test
    void silentMasterIsSubjectivelyDownOnlyAfterDownAfter() {
        try (Rig rig = new Rig().leading()) {
            rig.everywhere(M1, SILENT);
            rig.run(900);
            assertThat(rig.events()).doesNotContain("+sdown");
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
            rig.run(200);
            assertThat(rig.events()).contains("+sdown", "+odown");
            assertThat(rig.group("g1").master().address()).isNotEqualTo(Address.parse(M1));
        }
    }

    @Test
    void masterAnsweringAgainLeavesSubjectiveDownWithoutFailover() {
        try (Rig rig = new Rig().leading()) {
            rig.policy(Map.of("autoFailover", false));
            rig.everywhere(M1, SILENT);
            rig.run(1200);
            rig.everywhere(M1, UP);
            rig.tick(100);
            assertThat(rig.events()).containsSubsequence("+sdown", "-sdown");
            assertThat(rig.group("g1").master().address()).isEqualTo(Address.parse(M1));
        }
    }

    @Test
    void refusedConnectionsOnEveryPeerAreDownBeforeDownAfter() {
        try (Rig rig = new Rig().leading()) {
            rig.everywhere(M1, REFUSED);
            rig.run(400); // refusedDownAfterMillis 300 (default), downAfterMillis 1000
            assertThat(rig.group("g1").master().address()).as("failed over on refusals alone").isNotEqualTo(Address.parse(M1));
            assertThat(rig.registry.submitted(BeginFailover.class).get(0).reason()).startsWith("refused 3/3");
        }
    }

    @Test
    void refusalRuleOffWaitsForDownAfter() {
        try (Rig rig = new Rig().leading()) {
            rig.policy(Map.of("refusedDownAfterMillis", 0));
            rig.everywhere(M1, REFUSED);
            rig.run(900);
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
            rig.run(200);
            assertThat(rig.registry.submitted(BeginFailover.class)).hasSize(1);
            assertThat(rig.registry.submitted(BeginFailover.class).get(0).reason()).startsWith("odown");
        }
    }

    @Test
    void refusalRuleNotShorterThanDownAfterHasNoEffect() {
        try (Rig rig = new Rig().leading()) {
            rig.policy(Map.of("refusedDownAfterMillis", 1500));
            rig.everywhere(M1, REFUSED);
            rig.run(1100);
            assertThat(rig.registry.submitted(BeginFailover.class)).hasSize(1);
            assertThat(rig.registry.submitted(BeginFailover.class).get(0).reason()).startsWith("odown");
        }
    }

    @Test
    void refusalsNeedEveryPeerOnePeerTimingOutFallsBackToSilence() {
        try (Rig rig = new Rig().leading()) {
            rig.fleet.health(M1, REFUSED);
            rig.p2.health(M1, REFUSED);
            rig.p3.health(M1, SILENT); // p3 cannot tell a crash from a partition
            rig.run(500);
            assertThat(rig.registry.submitted(BeginFailover.class)).as("2 of 3 see refusals: not enough").isEmpty();
            rig.run(600);
            assertThat(rig.registry.submitted(BeginFailover.class)).as("silence by a majority").hasSize(1);
        }
    }

    @Test
    void refusalsNeedEveryPeerAPeerThatDoesNotAnswerBlocksTheFastRule() {
        try (Rig rig = new Rig(true, false).leading()) {
            rig.fleet.health(M1, REFUSED);
            rig.p2.health(M1, REFUSED);
            rig.run(500);
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
        }
    }

    @Test
    void objectiveDownNeedsAMajority() {
        try (Rig rig = new Rig().leading()) {
            rig.fleet.health(M1, SILENT); // only the leader is cut off from the master
            rig.run(1500);
            assertThat(rig.events()).contains("+sdown", "-odown-not-confirmed").doesNotContain("+odown");
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
        }
    }

    @Test
    void objectiveDownWithOnePeerAgreeingIsAMajorityOfThree() {
        try (Rig rig = new Rig(true, false).leading()) {
            rig.fleet.health(M1, SILENT);
            rig.p2.health(M1, SILENT);
            rig.run(1200);
            assertThat(rig.registry.submitted(BeginFailover.class)).hasSize(1);
            assertThat(rig.registry.submitted(BeginFailover.class).get(0).reason()).isEqualTo("odown 2/3");
        }
    }

    @Test
    void unknownInstancesAreNotDown() {
        try (Rig rig = new Rig().leading()) {
            rig.fleet.unknown(M1);
            rig.run(1500);
            assertThat(rig.events()).doesNotContain("+sdown");
        }
    }

    @Test
    void newLeaderActsOnNothingDuringTilt() {
        try (Rig rig = new Rig()) {
            rig.lead();
            rig.everywhere(M1, SILENT);
            rig.run(1900); // tiltDuration 2000
            assertThat(rig.events()).contains("+sdown");
            assertThat(rig.registry.submitted(BeginFailover.class)).as("tilted: monitoring, not acting").isEmpty();
            rig.run(300);
            assertThat(rig.registry.submitted(BeginFailover.class)).hasSize(1);
        }
    }

    @Test
    void lateTickEntersTilt() {
        try (Rig rig = new Rig().leading()) {
            assertThat(rig.controller.tilted()).isFalse();
            rig.tick(2500); // a GC pause longer than tiltGap
            assertThat(rig.controller.tilted()).isTrue();
            rig.everywhere(M1, SILENT);
            rig.run(1500);
            assertThat(rig.registry.submitted(BeginFailover.class)).isEmpty();
            rig.run(600);
            assertThat(rig.controller.tilted()).isFalse();
            assertThat(rig.registry.submitted(BeginFailover.class)).hasSize(1);
        }
    }

    @Test
    void peerQuestionsRoundTrip() {
        PeerQuestion q = new PeerQuestion(PeerQuestion.Rule.REFUSED, Address.parse(M1), 150);
        assertThat(q.encode()).isEqualTo("refused 127.0.0.1:7001 150");
        assertThat(PeerQuestion.parse(q.encode())).contains(q);
        assertThat(PeerQuestion.parse("sdown 127.0.0.1:7001 500")).get().extracting(PeerQuestion::rule)
                .isEqualTo(PeerQuestion.Rule.SILENT);
        assertThat(PeerQuestion.parse("what now")).isEmpty();
        TestTime t = new TestTime();
        FakeFleet f = new FakeFleet(t).master(M1);
        assertThat(PeerQuestion.answer(f, t::nanos, "nonsense")).isEqualTo(PeerQuestion.UNKNOWN);
        f.health(M1, REFUSED);
        t.advance(200);
        assertThat(PeerQuestion.Answer.decode(PeerQuestion.answer(f, t::nanos, "refused " + M1 + " 150")).down()).isTrue();
        assertThat(PeerQuestion.Answer.decode(PeerQuestion.answer(f, t::nanos, "sdown " + M1 + " 500")).down()).isFalse();
        assertThat(PeerQuestion.Answer.decode("garbage").down()).isFalse();
    }

    @Test
    void policyRefusesABadRefusalThreshold() {
        assertThat(Policy.defaults().refusedDownAfterMillis()).isEqualTo(300);
        assertThat(new Policy(true, true, 1000, 3, 600_000, 0.5, 1, 0, 10, null, false, 50, 0).problems())
                .anyMatch(p -> p.contains("refusedDownAfterMillis must be 0 (off) or between 100 and 600000"));
    }
}
