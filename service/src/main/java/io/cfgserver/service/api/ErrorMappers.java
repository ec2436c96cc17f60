package io.cfgserver.service.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.cfgserver.registry.CfgServerException;
import io.cfgserver.registry.client.RegistryUnavailableException;
import io.cfgserver.registry.command.CommandRejectedException;
import io.cfgserver.registry.topology.InvalidTopologyException;
import io.cfgserver.service.jobs.JobException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.stream.Collectors;
import org.glassfish.jersey.server.ParamException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps every failure to a JSON {@link ApiError}; nothing leaks as an HTML page or a bare 500. */
public final class ErrorMappers {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMappers.class);

    private ErrorMappers() {
    }

    public static Object[] all() {
        return new Object[] {new Rejected(), new Invalid(), new Unavailable(), new Json(), new Web(), new Jobs(),
                new BodyTooLarge(), new Fallback()};
    }

    static final class Rejected implements ExceptionMapper<CommandRejectedException> {
        @Override
        public Response toResponse(CommandRejectedException e) {
            return switch (e.code()) {
                case NOT_FOUND -> ApiError.response(404, "not-found", e.getMessage());
                case CONFLICT -> ApiError.response(409, "conflict", e.getMessage());
                case INVALID -> ApiError.response(422, "invalid", e.getMessage());
            };
        }
    }

    static final class Invalid implements ExceptionMapper<InvalidTopologyException> {
        @Override
        public Response toResponse(InvalidTopologyException e) {
            return ApiError.response(422, "invalid", e.getMessage());
        }
    }

    static final class Unavailable implements ExceptionMapper<RegistryUnavailableException> {
        @Override
        public Response toResponse(RegistryUnavailableException e) {
            return ApiError.response(503, "registry-unavailable",
                    e.getMessage() + " (no registry leader answered: check that a majority of peers is up; GET /v1/registry)");
        }
    }

    static final class Jobs implements ExceptionMapper<JobException> {
        @Override
        public Response toResponse(JobException e) {
            return ApiError.response(e.status(), e.error(), e.getMessage());
        }
    }

    static final class BodyTooLarge implements ExceptionMapper<RequestLimits.BodyTooLargeException> {
        @Override
        public Response toResponse(RequestLimits.BodyTooLargeException e) {
            return ApiError.response(413, "body-too-large", e.getMessage());
        }
    }

    /** Malformed JSON, wrong types, unknown fields: 400 naming the field and what was expected. */
    static final class Json implements ExceptionMapper<JsonProcessingException> {
        @Override
        public Response toResponse(JsonProcessingException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof RequestLimits.BodyTooLargeException tooLarge) {
                return ApiError.response(413, "body-too-large", tooLarge.getMessage());
            }
            if (root instanceof CfgServerException cfg) {
                return ApiError.response(422, "invalid", at(e) + cfg.getMessage());
            }
            String message;
            if (e instanceof UnrecognizedPropertyException u) {
                message = "unknown field '" + u.getPropertyName() + "'" + where(u) + "; known fields: "
                        + u.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            } else if (e instanceof InvalidFormatException f) {
                message = at(f) + "value " + f.getValue() + " is not a valid " + f.getTargetType().getSimpleName();
            } else if (e instanceof MismatchedInputException m) {
                message = at(m) + "wrong type: expected "
                        + (m.getTargetType() == null ? "another type" : describe(m.getTargetType()));
            } else {
                message = "request body is not valid JSON: " + e.getOriginalMessage();
            }
            return ApiError.response(400, "bad-json", message);
        }

        private static String describe(Class<?> type) {
            if (java.util.Collection.class.isAssignableFrom(type)) {
                return "a JSON array";
            }
            if (type == String.class) {
                return "a string";
            }
            if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
                return "a number";
            }
            if (type == Boolean.class || type == boolean.class) {
                return "true or false";
            }
            return "a JSON object";
        }

        private static String where(JsonMappingException e) {
            String path = path(e);
            return path.isEmpty() ? "" : " at " + path;
        }

        private static String at(JsonProcessingException e) {
            if (e instanceof JsonMappingException m) {
                String path = path(m);
                return path.isEmpty() ? "" : path + ": ";
            }
            return "";
        }

        private static String path(JsonMappingException e) {
            StringBuilder sb = new StringBuilder();
            for (JsonMappingException.Reference r : e.getPath()) {
                if (r.getFieldName() != null) {
                    if (sb.length() > 0) {
                        sb.append('.');
                    }
                    sb.append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    sb.append('[').append(r.getIndex()).append(']');
                }
            }
            return sb.toString();
        }
    }

    static final class Web implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            Response r = e.getResponse();
            if (r.hasEntity() && r.getEntity() instanceof ApiError) {
                return r;
            }
            int status = r.getStatus();
            if (e instanceof ParamException p) {
                return ApiError.response(400, "bad-parameter",
                        "parameter '" + p.getParameterName() + "' has a value of the wrong type");
            }
            String message = switch (status) {
                case 404 -> "no such resource: see README.md for the API under /v1";
                case 405 -> "method not allowed on this resource";
                case 415 -> "send the body as JSON with Content-Type: application/json";
                case 406 -> "this API answers application/json only";
                default -> e.getMessage();
            };
            return ApiError.response(status, status == 404 ? "not-found" : "http-" + status, message);
        }
    }

    static final class Fallback implements ExceptionMapper<Throwable> {
        @Override
        public Response toResponse(Throwable e) {
            if (e instanceof WebApplicationException w) {
                return new Web().toResponse(w);
            }
            LOG.error("unhandled error", e);
            return ApiError.response(500, "internal", "internal error: " + e + " (see the service log)");
        }
    }
}
