package io.cfgserver.registry.controller;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The other registry peers: each answers the leader's questions from its own probes (a {@link FakeFleet}
 * of its own, on the same test clock), or does not answer at all.
 */
final class FakePeers implements PeerLink {
    private final String self;
    private final Map<String, FakeFleet> views = new LinkedHashMap<>();
    private final TestTime time;

    FakePeers(String self, TestTime time) {
        this.self = self;
        this.time = time;
    }

    /** A peer that sees the fleet through {@code view}; null: a peer that never answers. */
    FakePeers peer(String id, FakeFleet view) {
        views.put(id, view);
        return this;
    }

    @Override
    public String selfId() {
        return self;
    }

    @Override
    public List<String> members() {
        List<String> all = new ArrayList<>();
        all.add(self);
        all.addAll(views.keySet());
        return all;
    }

    @Override
    public CompletableFuture<String> ask(String peerId, String question) {
        FakeFleet v = views.get(peerId);
        if (v == null) {
            return new CompletableFuture<>(); // never answers: the asker's timeout ends the wait
        }
        return CompletableFuture.completedFuture(PeerQuestion.answer(v, time::nanos, question));
    }
}
