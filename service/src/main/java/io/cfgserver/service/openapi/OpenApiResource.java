package io.cfgserver.service.openapi;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Collection;
import java.util.List;

/**
 * {@code GET /v1/openapi.json}: the OpenAPI 3 document of the resources this peer serves, built on
 * the first request and kept (the resources do not change while the process runs). It is not part
 * of the document itself, and open to anyone (it says what the API is, not what the fleet is).
 */
@Path("/v1/openapi.json")
public class OpenApiResource {
    private final List<Class<?>> resources;
    private volatile String json;

    public OpenApiResource(Collection<Class<?>> resources) {
        this.resources = List.copyOf(resources);
    }

    @PermitAll
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public String document() {
        String j = json;
        if (j == null) {
            synchronized (this) {
                if (json == null) {
                    json = OpenApiDocument.json(OpenApiDocument.build(resources));
                }
                j = json;
            }
        }
        return j;
    }
}
