package io.cfgserver.tests.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cfgserver.service.tls.CaTrust;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * JSON over HTTP for tests: every request carries {@code Authorization: Bearer <token>} (when a
 * token is set) and returns the status and body; no status is treated as an error here, so
 * tests can assert on 4xx answers. Connection failures throw {@link UncheckedIOException}; the
 * {@code try*} variants return empty instead (for polling a process that is still starting).
 */
public final class Http {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private final String token;
    private final Duration timeout;
    private final HttpClient client;

    private Http(String token, Duration timeout, HttpClient client) {
        this.token = token;
        this.timeout = timeout;
        this.client = client;
    }

    /** Requests with the bearer token. */
    public static Http withToken(String token) {
        return new Http(token, Duration.ofSeconds(10), CLIENT);
    }

    /** Requests without any Authorization header. */
    public static Http anonymous() {
        return new Http(null, Duration.ofSeconds(10), CLIENT);
    }

    /** The same client with another per-request timeout (for long polls). */
    public Http timeout(Duration requestTimeout) {
        return new Http(token, requestTimeout, client);
    }

    /** The same client trusting only the CA in {@code caPem} for https:// URLs (host names still checked). */
    public Http trusting(Path caPem) {
        return new Http(token, timeout, HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(CaTrust.sslContext(caPem, "CA file"))
                .build());
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Status and body of one answer. */
    public record Response(int status, String body) {
        /** The body parsed as JSON (a missing node for an empty body). */
        public JsonNode json() {
            if (body == null || body.isBlank()) {
                return MAPPER.missingNode();
            }
            try {
                return MAPPER.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("not JSON (HTTP " + status + "): " + body, e);
            }
        }

        public boolean isSuccess() {
            return status / 100 == 2;
        }

        /** This response, or an AssertionError that shows the status and body. */
        public Response expect(int expectedStatus) {
            if (status != expectedStatus) {
                throw new AssertionError("expected HTTP " + expectedStatus + " but got " + status + ": " + body);
            }
            return this;
        }
    }

    public Response get(String url) {
        return send("GET", url, null);
    }

    /** {@code body}: a JSON string as is, or any object that Jackson serializes. */
    public Response post(String url, Object body) {
        return send("POST", url, body);
    }

    public Response put(String url, Object body) {
        return send("PUT", url, body);
    }

    public Response delete(String url) {
        return send("DELETE", url, null);
    }

    /** GET that returns empty when nothing answers (connection refused, reset, timeout). */
    public Optional<Response> tryGet(String url) {
        try {
            return Optional.of(get(url));
        } catch (UncheckedIOException e) {
            return Optional.empty();
        }
    }

    public Response send(String method, String url, Object body) {
        return send(method, url, body, java.util.Map.of());
    }

    /** As {@link #send(String, String, Object)}, with more request headers (e.g. {@code Idempotency-Key}). */
    public Response send(String method, String url, Object body, java.util.Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .header("Accept", "application/json");
        headers.forEach(request::header);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json");
            request.method(method, HttpRequest.BodyPublishers.ofString(toJson(body)));
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + url, e);
        }
    }

    private static String toJson(Object body) {
        if (body instanceof String json) {
            return json;
        }
        try {
            return MAPPER.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize request body " + body, e);
        }
    }
}
