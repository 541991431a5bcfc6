package dev.mailroom.smtp.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams message content for the DATA command: dot-stuffing (RFC 5321 section 4.5.2), a CRLF before the
 * terminating dot, and no bare CR or LF on the wire (RFC 5321 section 2.3.8, DATA-05).
 *
 * <p>The input is meant to be canonical already. If a stray CR or LF slips through anyway, it becomes a
 * CRLF line break here, as Postfix's {@code cleanup_replace_stray_cr_lf} does: a bare LF could otherwise be
 * read by the next hop as a line end (and a {@code LF.LF} or {@code LF.CRLF} as end of data, the "SMTP
 * smuggling" attack), and a line break is the reading the author most likely meant.
 *
 * <p>Works on fixed buffers, so a message of any size needs constant memory. One instance per connection: its
 * buffers (48 KiB) serve every message the connection sends, one after the other, instead of being allocated
 * per message (at a thousand messages a second, 48 MB/s of garbage).
 */
public final class DotStuffer {

    public static final int BUFFER = 16 * 1024;

    /** What happened while streaming, for logs. */
    public record Stats(long bytesIn, long bytesOut, long strayLineBreaksFixed) {}

    private byte[] src;
    private byte[] dst;

    /** Writes the stuffed content and the terminating {@code .CRLF}; does not flush. Not for concurrent use. */
    public Stats write(InputStream in, OutputStream out) throws IOException {
        if (src == null) {
            src = new byte[BUFFER];
            // Worst case every input byte becomes two (a "." at each line start, or a bare CR/LF → CRLF).
            dst = new byte[2 * BUFFER + 8];
        }
        byte[] src = this.src;
        byte[] dst = this.dst;
        boolean lineStart = true;
        boolean pendingCr = false;
        long in_ = 0;
        long out_ = 0;
        long fixed = 0;
        int r;
        while ((r = in.read(src)) > 0) {
            in_ += r;
            int d = 0;
            for (int i = 0; i < r; i++) {
                byte b = src[i];
                if (pendingCr) {
                    pendingCr = false;
                    dst[d++] = '\r';
                    dst[d++] = '\n';
                    lineStart = true;
                    if (b == '\n') {
                        continue; // a proper CRLF
                    }
                    fixed++; // the CR before this byte was bare
                }
                if (b == '\r') {
                    pendingCr = true; // decided by the next byte, which may be in the next read
                } else if (b == '\n') {
                    fixed++; // bare LF
                    dst[d++] = '\r';
                    dst[d++] = '\n';
                    lineStart = true;
                } else {
                    if (lineStart && b == '.') {
                        dst[d++] = '.'; // RFC 5321 section 4.5.2: double a leading period
                    }
                    dst[d++] = b;
                    lineStart = false;
                }
            }
            out.write(dst, 0, d);
            out_ += d;
        }
        int d = 0;
        if (pendingCr) {
            fixed++; // a bare CR as the very last byte
            dst[d++] = '\r';
            dst[d++] = '\n';
            lineStart = true;
        }
        if (!lineStart) {
            // RFC 5321 section 4.1.1.4: the end-of-data dot must follow a CRLF; add the one the message lacks.
            dst[d++] = '\r';
            dst[d++] = '\n';
        }
        dst[d++] = '.';
        dst[d++] = '\r';
        dst[d++] = '\n';
        out.write(dst, 0, d);
        out_ += d;
        return new Stats(in_, out_, fixed);
    }
}
