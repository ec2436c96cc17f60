package io.cfgserver.registry.controller;

import io.cfgserver.registry.topology.Address;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The one question the leader asks the other peers about a master (a Ratis stale read answered by their
 * probers): "has host:port been down by this rule for longer than N ms?". On the wire:
 * {@code <rule> host:port <ms>}, answered {@code down <silentMs>} or {@code up <silentMs>} (-1 when that
 * peer does not probe it), or {@code unknown-question}.
 */
public record PeerQuestion(Rule rule, Address address, long thresholdMillis) {

    /** Which detection rule the question is about. */
    public enum Rule {
        /** No valid reply for the threshold ({@link Probes#sdown}). */
        SILENT("sdown"),
        /** No valid reply for the threshold and every failure a refused connection ({@link Probes#refusedDown}). */
        REFUSED("refused");

        private final String wire;

        Rule(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static Optional<Rule> parse(String s) {
            for (Rule r : values()) {
                if (r.wire.equals(s)) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
        }
    }

    /** A peer's answer: whether it agrees, and how long it has had no valid reply (-1: not probed). */
    public record Answer(boolean down, long silentMillis) {
        public String encode() {
            return (down ? "down " : "up ") + silentMillis;
        }

        /** The answer, or "does not agree" for anything else (an old peer, an unknown question). */
        public static Answer decode(String s) {
            String[] parts = s == null ? new String[0] : s.trim().split(" ");
            if (parts.length == 2 && (parts[0].equals("down") || parts[0].equals("up"))) {
                try {
                    return new Answer(parts[0].equals("down"), Long.parseLong(parts[1]));
                } catch (NumberFormatException e) {
                    // falls through
                }
            }
            return new Answer(false, -1);
        }
    }

    public static final String UNKNOWN = "unknown-question";

    public String encode() {
        return rule.wire() + " " + address + " " + thresholdMillis;
    }

    public static Optional<PeerQuestion> parse(String s) {
        String[] parts = s == null ? new String[0] : s.split(" ");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            Optional<Rule> rule = Rule.parse(parts[0]);
            long ms = Long.parseLong(parts[2]);
            return rule.map(r -> new PeerQuestion(r, Address.parse(parts[1]), ms));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** How a peer answers {@code question} from its own probes. */
    public static String answer(Probes probes, LongSupplier nanos, String question) {
        Optional<PeerQuestion> q = parse(question);
        if (q.isEmpty()) {
            return UNKNOWN;
        }
        PeerQuestion pq = q.get();
        long silent = probes.view(pq.address()).map(v -> v.silentNanos(nanos.getAsLong()) / 1_000_000).orElse(-1L);
        boolean down = switch (pq.rule()) {
            case SILENT -> probes.sdown(pq.address(), pq.thresholdMillis());
            case REFUSED -> probes.refusedDown(pq.address(), pq.thresholdMillis());
        };
        return new Answer(down, silent).encode();
    }
}
