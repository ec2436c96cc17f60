package io.cfgserver.service.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cfgserver.service.api.ClustersResource;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The document served at /v1/openapi.json, built by the same code from every resource class of the
 * {@code api} package, is true to the JAX-RS annotations, documents a success and the JSON errors
 * of every operation, and is OpenAPI 3 JSON.
 */
class OpenApiDocumentTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static List<Class<?>> resources;
    static JsonNode doc;

    @BeforeAll
    static void build() throws Exception {
        resources = apiResourceClasses();
        String json = OpenApiDocument.json(OpenApiDocument.build(resources));
        // kept for a look without starting the service
        Files.writeString(java.nio.file.Path.of("target", "openapi.json"), json);
        doc = JSON.readTree(json);
    }

    /** Every class with {@code @Path} in the api package, read from the compiled classes. */
    static List<Class<?>> apiResourceClasses() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(ClustersResource.class.getResource("").toURI());
        List<Class<?>> out = new ArrayList<>();
        try (Stream<java.nio.file.Path> files = Files.list(dir)) {
            for (java.nio.file.Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".class") && !name.contains("$")) {
                    Class<?> c = Class.forName(ClustersResource.class.getPackageName() + "." + name.replace(".class", ""));
                    if (c.isAnnotationPresent(Path.class)) {
                        out.add(c);
                    }
                }
            }
        }
        return out;
    }

    /** "POST /v1/clusters/{name}/groups", read from the annotations without the code under test. */
    static Set<String> annotatedOperations() {
        Set<String> ops = new TreeSet<>();
        for (Class<?> c : resources) {
            for (Method m : c.getMethods()) {
                for (Annotation a : m.getAnnotations()) {
                    HttpMethod verb = a.annotationType().getAnnotation(HttpMethod.class);
                    if (verb != null) {
                        Path sub = m.getAnnotation(Path.class);
                        String path = c.getAnnotation(Path.class).value() + (sub == null ? "" : "/" + sub.value());
                        path = path.replaceAll("/+", "/").replaceAll("(.)/$", "$1");
                        ops.add(verb.value() + " " + path);
                    }
                }
            }
        }
        return ops;
    }

    static Set<String> documentedOperations() {
        Set<String> ops = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(verb -> {
            if (Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(verb)) {
                ops.add(verb.toUpperCase() + " " + p.getKey());
            }
        }));
        return ops;
    }

    static List<JsonNode> operations() {
        List<JsonNode> ops = new ArrayList<>();
        doc.get("paths").forEach(item -> item.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("parameters")) {
                ops.add(e.getValue());
            }
        }));
        return ops;
    }

    @Test
    void findsTheApiResources() {
        assertThat(resources).extracting(Class::getSimpleName)
                .contains("ClustersResource", "GroupsResource", "ProxiesResource", "RegistryResource", "JobsResource");
    }

    @Test
    void documentsEveryResourceMethodWithItsVerbAndPathAndNothingElse() {
        Set<String> annotated = annotatedOperations();
        assertThat(annotated).hasSizeGreaterThan(30);
        assertThat(documentedOperations()).containsExactlyElementsOf(annotated);
    }

    @Test
    void everyOperationAnswersASuccessAndTheJsonErrors() {
        for (JsonNode op : operations()) {
            String id = op.path("operationId").asText();
            JsonNode responses = op.get("responses");
            assertThat(responses.has("default")).as(id + " has no catch-all response").isFalse();
            List<String> codes = new ArrayList<>();
            responses.fieldNames().forEachRemaining(codes::add);
            assertThat(codes).as(id + " documents a 2xx").anyMatch(c -> c.startsWith("2"));
            assertThat(codes).as(id + " documents the errors").contains("400", "401", "403", "404", "409", "422", "503");
            if (op.has("requestBody")) {
                assertThat(codes).as(id + " takes a body").contains("413", "415");
            }
            for (String c : codes) {
                if (c.compareTo("400") >= 0) {
                    assertThat(responses.get(c).at("/content/application~1json/schema/$ref").asText())
                            .as(id + " " + c).isEqualTo("#/components/schemas/ApiError");
                }
                if (c.equals("204")) {
                    assertThat(responses.get(c).has("content")).as(id + " 204 has no body").isFalse();
                }
            }
        }
    }

    @Test
    void operationIdsNameTheJavaMethodOnce() {
        List<String> ids = operations().stream().map(op -> op.path("operationId").asText()).toList();
        assertThat(ids).doesNotHaveDuplicates().contains("clusters.create", "groups.switchover", "registry.removePeer");
    }

    @Test
    void isOpenApi3WithInfoRelativeServerBearerAndTheErrorSchema() {
        assertThat(doc.path("openapi").asText()).startsWith("3.");
        assertThat(doc.at("/info/title").asText()).isEqualTo(OpenApiDocument.TITLE);
        assertThat(doc.at("/info/version").asText()).isEqualTo("v1");
        assertThat(doc.at("/servers/0/url").asText()).isEqualTo("/");
        assertThat(doc.at("/components/securitySchemes/bearer/type").asText()).isEqualTo("http");
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/security/0").has("bearer")).isTrue();
        JsonNode error = doc.at("/components/schemas/ApiError/properties");
        assertThat(error.has("status") && error.has("error") && error.has("message")).isTrue();
    }

    @Test
    void everyReferenceResolves() {
        Set<String> refs = new HashSet<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        }
    }

    @Test
    void theContractsExceptionsNameExistingMethods() {
        Set<String> names = new HashSet<>();
        ResourceMethod.of(resources).forEach(m -> names.add(m.javaName()));
        assertThat(names).containsAll(ApiContract.SUCCESS.keySet()).containsAll(ApiContract.WAITS.keySet());
    }

    @Test
    void everyPathParameterIsDeclared() {
        doc.get("paths").fields().forEachRemaining(p -> {
            Set<String> templated = new TreeSet<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{(\\w+)}").matcher(p.getKey());
            while (m.find()) {
                templated.add(m.group(1));
            }
            p.getValue().fields().forEachRemaining(op -> {
                Set<String> declared = new TreeSet<>();
                op.getValue().path("parameters").forEach(param -> {
                    if (param.path("in").asText().equals("path")) {
                        declared.add(param.path("name").asText());
                    }
                });
                assertThat(declared).as(op.getKey() + " " + p.getKey()).isEqualTo(templated);
            });
        });
    }

    private static void collectRefs(JsonNode node, Set<String> refs) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("$ref")) {
                    refs.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), refs);
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }
}
