package io.cfgserver.service.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The CLI's way to the REST API: the servers in the order given, the next one when a server cannot
 * be reached or answers 503 (a peer without a leader). A request that may have reached a server and
 * timed out is retried elsewhere only when it reads (GET), so a change is never sent twice.
 */
final class Api {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The API answered 4xx/5xx: its message, as is (exit code 1). */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final JsonNode body;

        Refused(int status, JsonNode body, String message) {
            super(message);
            this.status = status;
            this.body = body;
        }
    }

    /** No server answered (exit code 3). */
    static final class Unreachable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }

    private final List<URI> servers;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /** {@code ssl}: whom to trust over https (--cacert); null for the JVM's default CAs. */
    Api(List<URI> servers, String token, Duration timeout, SSLContext ssl) {
        this.servers = List.copyOf(servers);
        this.token = token;
        this.timeout = timeout;
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3));
        if (ssl != null) {
            http.sslContext(ssl);
        }
        this.http = http.build();
    }

    JsonNode get(String path) {
        return call("GET", path, null);
    }

    JsonNode post(String path, Object body) {
        return call("POST", path, body);
    }

    JsonNode put(String path, Object body) {
        return call("PUT", path, body);
    }

    JsonNode delete(String path) {
        return call("DELETE", path, null);
    }

    /** Text (e.g. a rendered nutcracker.yml), not JSON. */
    String text(String path) {
        return send("GET", path, null, timeout).body();
    }

    JsonNode call(String method, String path, Object body) {
        return call(method, path, body, timeout);
    }

    JsonNode call(String method, String path, Object body, Duration requestTimeout) {
        HttpResponse<String> r = send(method, path, body, requestTimeout);
        String text = r.body();
        if (text == null || text.isBlank()) {
            return JSON.nullNode();
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(text);
        }
    }

    private HttpResponse<String> send(String method, String path, Object body, Duration requestTimeout) {
        String payload;
        try {
            payload = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write the request body: " + e.getMessage(), e);
        }
        List<String> tried = new ArrayList<>();
        HttpResponse<String> unavailable = null;
        for (URI server : servers) {
            HttpRequest.Builder b = HttpRequest.newBuilder(server.resolve(path)).timeout(requestTimeout)
                    .header("Accept", "application/json");
            if (token != null && !token.isBlank()) {
                b.header("Authorization", "Bearer " + token);
            }
            if (payload != null) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(payload));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException | HttpConnectTimeoutException e) {
                tried.add(server + " (" + describe(e) + ")");
                continue; // never reached it: the next one is safe for any method
            } catch (HttpTimeoutException e) {
                tried.add(server + " (no answer within " + requestTimeout.toMillis() + " ms)");
                if (method.equals("GET")) {
                    continue;
                }
                throw new Unreachable(method + " " + path + ": " + server + " did not answer within "
                        + requestTimeout.toMillis() + " ms; the change may or may not have been made: look before"
                        + " trying again");
            } catch (IOException e) {
                tried.add(server + " (" + describe(e) + ")");
                if (method.equals("GET")) {
                    continue;
                }
                throw new Unreachable(method + " " + path + ": the connection to " + server + " broke (" + describe(e)
                        + "); the change may or may not have been made: look before trying again");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Unreachable("interrupted");
            }
            if (r.statusCode() == 503) {
                unavailable = r; // this peer cannot serve now (no leader, no Temporal): another may
                tried.add(server + " (503)");
                continue;
            }
            if (r.statusCode() >= 400) {
                throw refused(r);
            }
            return r;
        }
        if (unavailable != null) {
            throw refused(unavailable);
        }
        throw new Unreachable("no cfgserver answered: tried " + String.join(", ", tried)
                + " (give the peers with --server or CFGSERVER_SERVERS)");
    }

    private static Refused refused(HttpResponse<String> r) {
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (IOException | RuntimeException e) {
            body = JSON.getNodeFactory().textNode(r.body());
        }
        String message = body != null && body.hasNonNull("message") ? body.get("message").asText() : r.body();
        return new Refused(r.statusCode(), body, r.statusCode() + ": " + message);
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        String hint = e instanceof SSLException || e.getCause() instanceof SSLException
                ? "; is --cacert (or CFGSERVER_CACERT) the CA that signed this server's certificate?" : "";
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m) + hint;
    }
}
