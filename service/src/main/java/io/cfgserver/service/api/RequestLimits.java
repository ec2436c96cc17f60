package io.cfgserver.service.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Refuses request bodies over a bound (413) before they are read into memory. */
@PreMatching
public final class RequestLimits implements ContainerRequestFilter {
    public static final long MAX_BODY_BYTES = 1024 * 1024;

    /** The body is larger than {@link #MAX_BODY_BYTES}. */
    public static final class BodyTooLargeException extends IOException {
        BodyTooLargeException() {
            super("request body is larger than " + MAX_BODY_BYTES + " bytes: send a smaller request");
        }
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > MAX_BODY_BYTES) {
                    request.abortWith(ApiError.response(413, "body-too-large", new BodyTooLargeException().getMessage()));
                    return;
                }
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("Content-Length '" + length + "' is not a number");
            }
        }
        if (request.hasEntity()) {
            request.setEntityStream(new Bounded(request.getEntityStream()));
        }
    }

    private static final class Bounded extends FilterInputStream {
        private long read;

        Bounded(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > MAX_BODY_BYTES) {
                throw new BodyTooLargeException();
            }
        }
    }
}
