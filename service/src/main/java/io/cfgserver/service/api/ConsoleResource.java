package io.cfgserver.service.api;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The console's settings ({@code GET /v1/console}: where the Temporal UI is, which namespace). The
 * console itself is static files under {@code /console/} (an asset servlet; {@code /} redirects
 * there, outside the API); it reads the REST API like any other client.
 */
@Path("/v1/console")
@Produces(MediaType.APPLICATION_JSON)
public class ConsoleResource {
    /** {@code temporalUi}: base URL of the Temporal UI or null; {@code namespace}: the jobs' namespace. */
    public record Settings(String temporalUi, String namespace) {
    }

    private final Settings settings;

    public ConsoleResource(String temporalUi, String namespace) {
        this.settings = new Settings(temporalUi == null || temporalUi.isBlank() ? null : temporalUi.trim(), namespace);
    }

    @PermitAll
    @GET
    public Settings settings() {
        return settings;
    }
}
