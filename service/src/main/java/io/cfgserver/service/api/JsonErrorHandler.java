package io.cfgserver.service.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors that Jetty answers itself, before a request reaches Jersey and {@link ErrorMappers}, as the
 * same JSON {@link ApiError}: a path with a control character or an ambiguous encoding (such as
 * {@code %2F} in a segment) is refused by Jetty's URI checks with an HTML page, or with no body at
 * all for DELETE and PUT. Found by fuzzing the API with schemathesis (tests/fuzz).
 */
public final class JsonErrorHandler extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() < 400 ? 500 : response.getStatus();
        Object reason = request.getAttribute(ERROR_MESSAGE);
        String why = reason == null ? "" : " (" + reason + ")";
        String message = status == 400
                ? "the request was refused before it reached the API" + why + ": percent-encode path segments and "
                        + "leave no control characters, '%2F', '%5C' or '..' in them"
                : "the request could not be served" + why;
        ApiError error = new ApiError(status, status == 400 ? "bad-uri" : "http-" + status, message);
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(error);
        } catch (JsonProcessingException e) {
            body = ("{\"status\":" + status + ",\"error\":\"http-" + status + "\",\"message\":\"\"}").getBytes();
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(ERROR_CACHE_CONTROL);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
