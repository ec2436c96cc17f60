package io.cfgserver.service.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.cfgserver.registry.CfgServerException;
import io.cfgserver.registry.Json;
import io.cfgserver.registry.topology.Cluster;
import io.cfgserver.registry.topology.ProxyFencing;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * The agent's view of the registry: its REST API on any of the peers. Sticks to one peer while it
 * answers and moves to the next on any failure, so a peer cut off from the majority (whose renewals
 * fail) is left for one that is not.
 */
final class RegistryHttp {
    /** No peer answered (or the answer was an error); says what was tried. */
    static class RegistryUnreachableException extends CfgServerException {
        RegistryUnreachableException(String message) {
            super(message);
        }
    }

    /**
     * The registry answered that this proxy (or its cluster) does not exist: an answer of the
     * majority (a renewal is a Raft write), not a failure to reach it.
     */
    static final class ProxyUnknownException extends RegistryUnreachableException {
        ProxyUnknownException(String message) {
            super(message);
        }
    }

    /**
     * The renewal's answer: the lease as the registry recorded it, the cluster's version then, and
     * what the proxy is to do when its lease ends (null when the peer did not say).
     */
    record Renewal(long servedVersion, long latestVersion, long leaseRemainingMillis, ProxyFencing fencing, Boolean leader) {
    }

    /** The header in which a peer says whether it leads the registry (renewals; absent from older peers). */
    static final String LEADER_HEADER = "X-Registry-Leader";

    private final List<URI> peers;
    private final String token;
    private final HttpClient http;
    private int current;
    /** What the last answer's peer said of its leadership (null when it did not say). */
    private Boolean lastLeader;

    /** {@code ssl}: whom to trust for https:// peers (the agent's caFile); null for the JVM's default CAs. */
    RegistryHttp(List<String> peers, String token, SSLContext ssl) {
        this.peers = peers.stream().map(p -> URI.create(p.endsWith("/") ? p.substring(0, p.length() - 1) : p)).toList();
        this.token = token == null ? "" : token;
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500));
        if (ssl != null) {
            http.sslContext(ssl);
        }
        this.http = http.build();
    }

    String currentPeer() {
        return peers.get(current).toString();
    }

    int peerCount() {
        return peers.size();
    }

    /** Moves to the next peer (after a failure on the current one, or to look for the leader). */
    void rotate() {
        current = (current + 1) % peers.size();
    }

    Renewal renew(String cluster, String proxy, long servedVersion, long leaseMillis, long unattendedMillis,
            Duration timeout) {
        JsonNode view = send("POST", "/v1/clusters/" + enc(cluster) + "/proxies/" + enc(proxy) + "/lease",
                Json.mapper().createObjectNode().put("servedVersion", servedVersion).put("leaseMillis", leaseMillis)
                        .put("unattendedMillis", unattendedMillis).toString(), timeout);
        long served = view.at("/proxy/servedVersion").asLong();
        ProxyFencing fencing = null;
        try {
            fencing = view.hasNonNull("fencing") ? ProxyFencing.parse(view.get("fencing").asText()) : null;
        } catch (RuntimeException e) {
            // a peer of another version: keep what the agent knew
        }
        return new Renewal(served, served + view.path("versionsBehind").asLong(), view.path("leaseRemainingMillis").asLong(),
                fencing, lastLeader);
    }

    /** Long poll on the current peer: the cluster once its version exceeds {@code afterVersion}, or as it is after the wait. */
    Cluster watch(String cluster, long afterVersion, long waitMs, Duration timeout) {
        JsonNode view = send("GET", "/v1/clusters/" + enc(cluster) + "/topology?afterVersion=" + afterVersion
                + "&waitMs=" + waitMs, null, timeout);
        try {
            return Json.mapper().treeToValue(view.get("cluster"), Cluster.class);
        } catch (IOException e) {
            throw new RegistryUnreachableException("peer " + currentPeer() + " sent a topology that does not parse: " + e);
        }
    }

    /** Best effort: an event the operator should see. Failures are ignored (the agent also logs). */
    void event(String cluster, String type, String subject, String message) {
        try {
            send("POST", "/v1/clusters/" + enc(cluster) + "/events", Json.mapper().writeValueAsString(
                    Map.of("type", type, "subject", subject, "message", message)), Duration.ofSeconds(2));
        } catch (IOException | RuntimeException e) {
            // the log line stands in for it
        }
    }

    private JsonNode send(String method, String path, String body, Duration timeout) {
        URI uri = URI.create(peers.get(current) + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r;
        // sendAsync + a bounded get: the request timeout alone has been seen not to end a call (an agent in CI
        // stopped renewing for good right after a restart); this bound holds whatever the client does
        java.util.concurrent.CompletableFuture<HttpResponse<String>> call = http.sendAsync(b.build(),
                HttpResponse.BodyHandlers.ofString());
        try {
            r = call.get(timeout.toMillis() + 250, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            call.cancel(true);
            throw new RegistryUnreachableException(method + " " + uri + ": no answer within " + timeout.toMillis() + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new RegistryUnreachableException(method + " " + uri + ": " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnreachableException(method + " " + uri + ": interrupted");
        }
        lastLeader = r.headers().firstValue(LEADER_HEADER).map(Boolean::parseBoolean).orElse(null);
        if (r.statusCode() == 404 && method.equals("POST") && path.endsWith("/lease")) {
            throw new ProxyUnknownException(method + " " + uri + " answered 404: " + r.body());
        }
        if (r.statusCode() / 100 != 2) {
            throw new RegistryUnreachableException(method + " " + uri + " answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return r.body().isEmpty() ? Json.mapper().nullNode() : Json.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new RegistryUnreachableException(method + " " + uri + " answered something that is not JSON");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
