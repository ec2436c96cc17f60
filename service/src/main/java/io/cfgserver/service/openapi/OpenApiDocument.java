package io.cfgserver.service.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.jaxrs2.Reader;
import io.swagger.v3.oas.integration.SwaggerConfiguration;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.servers.Server;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The OpenAPI 3 document of the given resource classes: swagger's reader, then {@link ApiContract}. */
public final class OpenApiDocument {
    public static final String TITLE = "cfgserver REST API";
    /** The API's version: the path prefix every resource lives under. */
    public static final String VERSION = "v1";

    private OpenApiDocument() {
    }

    public static OpenAPI build(Collection<Class<?>> resources) {
        if (resources.isEmpty()) {
            throw new IllegalArgumentException("no resource classes: the document would have no paths");
        }
        Set<Class<?>> classes = new LinkedHashSet<>(resources.stream()
                .sorted(Comparator.comparing(Class::getName)).toList());
        OpenAPI base = new OpenAPI()
                .info(new Info().title(TITLE).version(VERSION).description("""
                        The control plane of Redis master/replica groups behind twemproxy: clusters, groups, \
                        replicas, proxies, slots, policy, config, jobs and the registry. Every error is JSON \
                        (ApiError) with a message that says what to fix. See README.md and docs/."""))
                // relative: the document is true for whichever peer serves it, over http or https
                .servers(List.of(new Server().url("/").description("the peer that served this document")));
        OpenAPI api = new Reader(new SwaggerConfiguration().openAPI(base).readAllResources(true)).read(classes);
        ApiContract.apply(api, ResourceMethod.of(classes));
        return api;
    }

    public static String json(OpenAPI api) {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(api);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
