package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;
import io.cfgserver.registry.topology.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detection, as Sentinel does it (docs/failover.md): subjective down from this peer's probes (silent for
 * {@code downAfterMillis}, or refusing connections for {@code refusedDownAfterMillis}), objective down
 * from the other peers' answers, and TILT (a late tick or a new leadership: act on nothing for a while).
 * Holds only soft state: a new leader starts from nothing, in TILT.
 */
final class Detector {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

    /** How a master looks from this peer. */
    enum Down {
        UP,
        /** No valid reply for {@code downAfterMillis}. */
        SILENT,
        /** No valid reply for {@code refusedDownAfterMillis}, every attempt refused: the process is gone, its host is not. */
        REFUSED
    }

    /**
     * The peers' verdict on a master.
     *
     * @param rule   the rule that confirmed it (or was asked about)
     * @param agree  peers that agree, this one included
     * @param needed how many must agree: a majority for {@link Down#SILENT}, every member for {@link Down#REFUSED}
     */
    record Verdict(boolean confirmed, Down rule, int agree, int members, int needed) {
        String summary() {
            return agree + "/" + members + " peers" + (rule == Down.REFUSED ? " see it refusing connections" : "")
                    + " (need " + needed + ")";
        }
    }

    private final Probes probes;
    private final PeerLink peers;
    private final ControllerConfig config;
    private final LongSupplier nanos;
    private final Events events;
    /** Per group id: the master seen down and by which rule; absent while it is up. */
    private final Map<String, Seen> down = new ConcurrentHashMap<>();
    private volatile long tiltUntilNanos;
    private volatile boolean tilting;

    private record Seen(Address master, Down how) {
    }

    Detector(Probes probes, PeerLink peers, ControllerConfig config, LongSupplier nanos, Events events) {
        this.probes = probes;
        this.peers = peers;
        this.config = config;
        this.nanos = nanos;
        this.events = events;
    }

    // ---- TILT ----------------------------------------------------------------------------------

    /** A new leadership: forget what was seen, and watch a full tilt period before acting. */
    void lead(long now) {
        down.clear();
        tiltUntilNanos = now + config.tiltDuration().toNanos();
        tilting = true;
    }

    /** Called on every tick with the previous tick's time: a gap longer than {@code tiltGap} enters TILT. */
    void ticked(long last, long now) {
        if (now - last > config.tiltGap().toNanos()) {
            tiltUntilNanos = now + config.tiltDuration().toNanos();
            tilting = true;
            events.emit("", ControllerEvent.TILT, "controller", "the tick was late by " + (now - last) / 1_000_000
                    + " ms: acting on nothing for " + config.tiltDuration().toMillis() + " ms");
        } else if (tilting && now >= tiltUntilNanos) {
            tilting = false;
            LOG.info("{} controller acts again", ControllerEvent.TILT_END.wire());
        }
    }

    boolean tilted(long now) {
        return now < tiltUntilNanos;
    }

    // ---- subjective down -------------------------------------------------------------------------

    /** How {@code master} looks from this peer's probes under {@code policy}. */
    Down subjective(Address master, Policy policy) {
        if (probes.sdown(master, policy.downAfterMillis())) {
            return Down.SILENT;
        }
        long refused = policy.refusedDownAfterMillis();
        if (refused > 0 && refused < policy.downAfterMillis() && probes.refusedDown(master, refused)) {
            return Down.REFUSED;
        }
        return Down.UP;
    }

    /**
     * The master of {@code groupKey} as seen now: {@code +sdown} when it goes down, {@code -sdown} when it
     * answers again (or the group has another master). Returns how it looks.
     */
    Down monitor(String cluster, String groupKey, String groupLogId, Address master, Policy policy) {
        Down now = subjective(master, policy);
        if (now != Down.UP) {
            Seen was = down.put(groupKey, new Seen(master, now));
            if (was == null || !was.master().equals(master)) {
                events.emit(cluster, ControllerEvent.SDOWN, master.logId(), "master of " + groupLogId + ", " + (now == Down.SILENT
                        ? "no valid reply for " + policy.downAfterMillis() + " ms"
                        : "refusing connections for " + policy.refusedDownAfterMillis() + " ms (its host answers)"));
            }
        } else {
            Seen was = down.remove(groupKey);
            if (was != null) {
                events.endEpisode(groupKey);
                if (was.master().equals(master)) {
                    events.emit(cluster, ControllerEvent.SDOWN_END, master.logId(), "master of " + groupLogId + " answers again");
                }
            }
        }
        return now;
    }

    /** Whether the master of {@code groupKey} was down at the last {@link #monitor}. */
    boolean isDown(String groupKey) {
        return down.containsKey(groupKey);
    }

    // ---- objective down --------------------------------------------------------------------------

    /**
     * Asks every other peer, in parallel, whether it agrees. Silent: a majority of the members must agree;
     * this peer needs the full {@code downAfter}, the others half of it (their probes run on their own
     * schedule; demanding the full time from each adds up to a probe period per failover), and a peer that
     * still reaches the master has a silence of about one probe period and does not agree. Refused: every
     * member must see refusals (half the threshold for the others, for the same reason): one peer that
     * times out instead, or does not answer, and the faster rule does not apply (the slower one still may).
     */
    Verdict objectively(Address master, Policy policy, Down how) {
        List<String> members = peers.members();
        long threshold = how == Down.REFUSED ? policy.refusedDownAfterMillis() : policy.downAfterMillis();
        PeerQuestion.Rule rule = how == Down.REFUSED ? PeerQuestion.Rule.REFUSED : PeerQuestion.Rule.SILENT;
        boolean self = how == Down.REFUSED ? probes.refusedDown(master, threshold) : probes.sdown(master, threshold);
        int agree = self ? 1 : 0;
        String question = new PeerQuestion(rule, master, threshold / 2).encode();
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (String p : members) {
            if (!p.equals(peers.selfId())) {
                answers.add(peers.ask(p, question).orTimeout(config.odownTimeout().toMillis(), TimeUnit.MILLISECONDS));
            }
        }
        for (CompletableFuture<String> a : answers) {
            try {
                if (PeerQuestion.Answer.decode(a.join()).down()) {
                    agree++;
                }
            } catch (RuntimeException e) {
                // a peer that does not answer does not agree
            }
        }
        int needed = how == Down.REFUSED ? members.size() : members.size() / 2 + 1;
        return new Verdict(agree >= needed, how, agree, members.size(), needed);
    }
}
