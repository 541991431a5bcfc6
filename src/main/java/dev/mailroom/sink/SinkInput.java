package dev.mailroom.sink;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The sink's buffered view of the client's bytes. Its own buffer lets the session tell whether the client
 * has sent more than it has been answered for (pipelining) and drop it after STARTTLS (RFC 3207 4.2).
 */
final class SinkInput {

    /** A command line that is not CRLF-terminated or too long; the line has been consumed. */
    static final class BadLine extends Exception {
        final boolean tooLong;

        BadLine(boolean tooLong) {
            super(tooLong ? "line too long" : "bare LF", null, false, false);
            this.tooLong = tooLong;
        }
    }

    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;

    SinkInput(InputStream in) {
        this.in = in;
    }

    int buffered() {
        return limit - pos;
    }

    void discard() {
        pos = limit = 0;
    }

    /** The next byte, or -1 at end of stream. */
    int read() throws IOException {
        if (pos == limit) {
            int r = in.read(buf, 0, buf.length);
            if (r <= 0) {
                return -1;
            }
            pos = 0;
            limit = r;
        }
        return buf[pos++] & 0xff;
    }

    int readOrEof() throws IOException {
        int b = read();
        if (b < 0) {
            throw new EOFException("client closed the connection");
        }
        return b;
    }

    /** Copies exactly {@code n} bytes to {@code to} (null: skip them), for BDAT. */
    void copy(long n, OutputStream to) throws IOException {
        while (n > 0) {
            if (pos == limit) {
                readOrEof();
                pos--; // put it back: the buffer now holds fresh data
            }
            int k = (int) Math.min(n, limit - pos);
            if (to != null) {
                to.write(buf, pos, k);
            }
            pos += k;
            n -= k;
        }
    }

    /**
     * One command line without its CRLF, or null at end of stream. Only CRLF ends a line: a bare LF is
     * refused (RFC 5321 section 2.3.8) after reading to it.
     */
    String readLine(int max) throws IOException, BadLine {
        byte[] line = new byte[256];
        int n = 0;
        boolean tooLong = false;
        while (true) {
            int b = read();
            if (b < 0) {
                if (n == 0) {
                    return null;
                }
                throw new EOFException("client closed the connection in the middle of a line");
            }
            if (b == '\n') {
                if (tooLong) {
                    throw new BadLine(true);
                }
                if (n == 0 || line[n - 1] != '\r') {
                    throw new BadLine(false);
                }
                return new String(line, 0, n - 1, StandardCharsets.UTF_8);
            }
            if (n >= max) {
                tooLong = true;
                continue;
            }
            if (n == line.length) {
                line = java.util.Arrays.copyOf(line, line.length * 2);
            }
            line[n++] = (byte) b;
        }
    }
}
