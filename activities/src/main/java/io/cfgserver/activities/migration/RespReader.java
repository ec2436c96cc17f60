package io.cfgserver.activities.migration;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads RESP2 values from a replication stream and counts every byte, so that the caller knows the
 * replication offset after each command. Binary safe (arguments stay byte arrays).
 */
final class RespReader {
    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int len;
    private long consumed;

    RespReader(InputStream in) {
        this.in = in;
    }

    /** Bytes consumed so far. */
    long consumed() {
        return consumed;
    }

    /** Refills the buffer when it is used up; an ended stream is an error. */
    private void fill(String where) throws IOException {
        if (pos == len) {
            len = in.read(buf, 0, buf.length);
            pos = 0;
            if (len <= 0) {
                len = 0;
                throw new EOFException("the replication stream ended" + where);
            }
        }
    }

    private int read() throws IOException {
        fill("");
        consumed++;
        return buf[pos++] & 0xff;
    }

    /** One line without its CRLF. */
    String line() throws IOException {
        StringBuilder b = new StringBuilder();
        while (true) {
            int c = read();
            if (c == '\r') {
                if (read() != '\n') {
                    throw new IOException("malformed RESP: CR without LF after '" + b + "'");
                }
                return b.toString();
            }
            b.append((char) c);
        }
    }

    byte[] bytes(int n) throws IOException {
        byte[] out = new byte[n];
        int off = 0;
        while (off < n) {
            fill("");
            int take = Math.min(n - off, len - pos);
            System.arraycopy(buf, pos, out, off, take);
            pos += take;
            off += take;
            consumed += take;
        }
        return out;
    }

    /** Skips {@code n} bytes (an RDB payload). */
    void skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            fill(" inside the RDB payload");
            int take = (int) Math.min(left, len - pos);
            pos += take;
            left -= take;
            consumed += take;
        }
    }

    /** Skips bytes up to and including {@code mark} (the diskless RDB's EOF mark). */
    void skipPast(byte[] mark) throws IOException {
        int matched = 0;
        while (matched < mark.length) {
            int c = read();
            if (c == (mark[matched] & 0xff)) {
                matched++;
            } else {
                matched = c == (mark[0] & 0xff) ? 1 : 0;
            }
        }
    }

    /**
     * One command of the stream: a RESP array of bulk strings. An inline newline (a keepalive before
     * the RDB payload) yields an empty list.
     */
    List<byte[]> command() throws IOException {
        int type = read();
        if (type == '\n') {
            return List.of();
        }
        if (type != '*') {
            throw new IOException("expected a command (RESP array) in the replication stream, got '" + (char) type
                    + line() + "'");
        }
        int n = Integer.parseInt(line());
        List<byte[]> args = new ArrayList<>(Math.max(0, n));
        for (int i = 0; i < n; i++) {
            int t = read();
            if (t != '$') {
                throw new IOException("expected a bulk string argument in the replication stream, got '" + (char) t + "'");
            }
            int size = Integer.parseInt(line());
            args.add(bytes(size));
            if (read() != '\r' || read() != '\n') {
                throw new IOException("malformed RESP: bulk string without CRLF");
            }
        }
        return args;
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
