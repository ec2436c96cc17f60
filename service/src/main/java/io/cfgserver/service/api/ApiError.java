package io.cfgserver.service.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The body of every 4xx/5xx answer: HTTP status, a short code and a message that says what to fix. */
public record ApiError(int status, String error, String message) {

    public static Response response(int status, String error, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(status, error, message)).build();
    }

    /** A 4xx with a message, thrown from resources. */
    public static WebApplicationException fail(int status, String error, String message) {
        return new WebApplicationException(message, response(status, error, message));
    }

    public static WebApplicationException badRequest(String message) {
        return fail(400, "bad-request", message);
    }

    public static WebApplicationException invalid(String message) {
        return fail(422, "invalid", message);
    }

    public static WebApplicationException notFound(String message) {
        return fail(404, "not-found", message);
    }
}
