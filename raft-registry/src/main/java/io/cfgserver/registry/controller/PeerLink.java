package io.cfgserver.registry.controller;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** How the controller reaches the other registry peers (a Ratis stale read answered by their probers). */
public interface PeerLink {
    String selfId();

    /** Every current member, this peer included. */
    List<String> members();

    CompletableFuture<String> ask(String peerId, String question);
}
