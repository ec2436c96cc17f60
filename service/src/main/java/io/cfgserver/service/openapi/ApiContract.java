package io.cfgserver.service.openapi;

import io.cfgserver.service.api.ApiError;
import io.cfgserver.service.auth.RoleCheck;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the JAX-RS annotations do not say and the API does, applied to every operation after
 * swagger's reader: the success status (the reader writes a {@code default} response, which would
 * make every status "documented"), the JSON {@link ApiError} answers, and the bearer scheme. One
 * post-processing step rather than annotations on each resource method: the rules hold for every
 * operation, a new resource gets them without doing anything, and resource signatures stay as they are.
 */
public final class ApiContract {
    public static final String ERROR_SCHEMA = "ApiError";
    public static final String BEARER = "bearer";

    /** Every operation can answer these, as JSON {@link ApiError}. */
    public static final Map<Integer, String> ERRORS = ordered(
            400, "A parameter or the body is malformed (wrong type, unknown field, not JSON); the message names it.",
            401, "No bearer token, or not a known one: send 'Authorization: Bearer <token>'.",
            403, "The token is known but may not do this.",
            404, "The cluster, group, proxy, job, schedule or path does not exist.",
            409, "Conflicts with the current state (a job already runs on the cluster, the id exists, force required).",
            422, "Well-formed but invalid: a value out of range, a topology that would not hold; the message says which.",
            503, "The registry has no leader (check that a majority of peers is up: GET /v1/registry), or a service "
                    + "this request needs (Temporal for jobs, a reachable replica for config checks) is down.");

    /** Operations that take a body can also answer these. */
    public static final Map<Integer, String> BODY_ERRORS = ordered(
            413, "The body is larger than 1 MiB.",
            415, "The body is not sent as Content-Type: application/json.");

    /** Operations that wait for something, and answer 504 when it did not happen in time (it may still). */
    public static final Map<String, String> WAITS = Map.of(
            "ClustersResource.show", "minVersion was not reached within waitMs.",
            "GroupsResource.switchover", "The switchover has not ended within timeoutMs; it goes on (GET the group).",
            "ProxiesResource.await", "Some proxies neither serve the version nor have let their lease end; "
                    + "the message names them.");

    /**
     * Success statuses of methods returning a {@link Response} that differ from the rule in
     * {@link #successStatuses}; the IT's fuzzing (status_code_conformance) keeps this table true.
     */
    public static final Map<String, List<Integer>> SUCCESS = Map.of(
            "GroupsResource.switchover", List.of(200),
            "ClusterJobsResource.start", List.of(201, 200));

    private ApiContract() {
    }

    /** Completes {@code api} (built by swagger's reader from {@code methods}) in place. */
    public static void apply(OpenAPI api, List<ResourceMethod> methods) {
        Components components = api.getComponents() == null ? new Components() : api.getComponents();
        api.setComponents(components);
        ModelConverters.getInstance().readAll(ApiError.class).forEach(components::addSchemas);
        components.addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("The token from the service config's auth section."));
        api.setSecurity(List.of(new SecurityRequirement().addList(BEARER)));

        for (ResourceMethod m : methods) {
            PathItem item = api.getPaths() == null ? null : api.getPaths().get(m.path());
            Operation op = item == null ? null : item.readOperationsMap().get(PathItem.HttpMethod.valueOf(m.httpMethod()));
            if (op == null) {
                throw new IllegalStateException(m.label() + " (" + m.javaName() + ") is missing from the generated document");
            }
            op.setOperationId(operationId(m));
            op.setResponses(responses(m, op));
            // who may call it: the roles of @RolesAllowed (x-roles; "anyone" for @PermitAll), in the text too
            List<String> roles = RoleCheck.allowedRoles(m.method(), m.resource());
            op.addExtension("x-roles", roles == null ? List.of("anyone") : roles);
            String who = roles == null ? "Open to anyone." : "Roles: " + String.join(", ", roles)
                    + (roles.contains("viewer") ? " (operator and admin too)." : roles.contains("operator") ? " (admin too)." : ".");
            op.setDescription(op.getDescription() == null ? who : op.getDescription() + "\n\n" + who);
            if (roles == null) {
                op.setSecurity(List.of());
            }
        }
    }

    /** {@code ClustersResource.create} becomes {@code clusters.create}. */
    static String operationId(ResourceMethod m) {
        String r = m.resource().getSimpleName().replaceFirst("Resource$", "");
        return Character.toLowerCase(r.charAt(0)) + r.substring(1) + "." + m.method().getName();
    }

    /**
     * A method that returns a value answers 200 (204 when void); one that builds its own
     * {@link Response} answers by its verb: POST 201 (created), DELETE 204, else 200, unless
     * {@link #SUCCESS} says otherwise.
     */
    static List<Integer> successStatuses(ResourceMethod m) {
        List<Integer> listed = SUCCESS.get(m.javaName());
        if (listed != null) {
            return listed;
        }
        Class<?> returns = m.method().getReturnType();
        if (returns == void.class) {
            return List.of(204);
        }
        if (!Response.class.isAssignableFrom(returns)) {
            return List.of(200);
        }
        return switch (m.httpMethod()) {
            case "POST" -> List.of(201);
            case "DELETE" -> List.of(204);
            default -> List.of(200);
        };
    }

    private static ApiResponses responses(ResourceMethod m, Operation op) {
        ApiResponses generated = op.getResponses() == null ? new ApiResponses() : op.getResponses();
        ApiResponse body = generated.getDefault() != null ? generated.getDefault() : generated.get("200");
        Map<String, ApiResponse> out = new TreeMap<>();
        for (int status : successStatuses(m)) {
            ApiResponse ok = new ApiResponse().description(success(status));
            if (status != 204) {
                ok.setContent(body != null && body.getContent() != null ? body.getContent() : freeForm());
            }
            out.put(String.valueOf(status), ok);
        }
        ERRORS.forEach((status, text) -> out.put(String.valueOf(status), error(text)));
        if (op.getRequestBody() != null) {
            BODY_ERRORS.forEach((status, text) -> out.put(String.valueOf(status), error(text)));
        }
        String wait = WAITS.get(m.javaName());
        if (wait != null) {
            out.put("504", error(wait));
        }
        ApiResponses responses = new ApiResponses();
        out.forEach(responses::addApiResponse);
        return responses;
    }

    private static String success(int status) {
        return switch (status) {
            case 201 -> "Created.";
            case 204 -> "Done; no body.";
            default -> "OK.";
        };
    }

    private static Content freeForm() {
        return new Content().addMediaType(jakarta.ws.rs.core.MediaType.APPLICATION_JSON,
                new MediaType().schema(new Schema<>().type("object")));
    }

    private static ApiResponse error(String text) {
        return new ApiResponse().description(text).content(new Content().addMediaType(
                jakarta.ws.rs.core.MediaType.APPLICATION_JSON,
                new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + ERROR_SCHEMA))));
    }

    private static Map<Integer, String> ordered(Object... pairs) {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((Integer) pairs[i], (String) pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
