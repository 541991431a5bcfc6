package dev.mailroom.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The byte-level framing of an SMTP session: command lines, DATA content and BDAT chunks.
 *
 * <p>Only CRLF ends a line (RFC 5321 section 2.3.8); a bare CR or bare LF anywhere, in a command or in
 * DATA/BDAT text, is reported as {@link Framing#BARE_NEWLINE} so that the session can reject it and close
 * (DATA-03). This is what makes SMTP smuggling impossible by construction: the only end of DATA is
 * {@code CRLF . CRLF}, and every other variant is an error, not data.
 *
 * <p>The session swaps the underlying stream after STARTTLS and calls {@link #discardBuffered()} first, so
 * that plaintext pipelined behind STARTTLS is never read as if it came inside TLS (CVE-2011-0411).
 */
public final class SmtpInput {

    /** How a read ended. */
    public enum Framing { OK, TOO_LONG, BARE_NEWLINE, EOF }

    /** A command line, without its CRLF. */
    public record Line(Framing framing, byte[] bytes) {
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** The outcome of reading DATA content up to the terminating dot. */
    public record DataResult(Framing framing, long size, boolean tooBig, int longestLine) {}

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private InputStream in;
    private final byte[] buf = new byte[8 * 1024]; // per connection: idle sessions must stay cheap
    /** DATA output staging, allocated on the first DATA and reused for the session's later messages. */
    private byte[] dataChunk;
    private int pos;
    private int limit;
    private final Runnable beforeBlockingRead;

    /**
     * @param beforeBlockingRead called whenever the buffer is empty and the next read may block: the
     *                           session flushes its pending replies there (RFC 2920 section 3.2 (9)).
     */
    public SmtpInput(InputStream in, Runnable beforeBlockingRead) {
        this.in = in;
        this.beforeBlockingRead = beforeBlockingRead;
    }

    /** Switches to another stream (after the TLS handshake); buffered bytes must be discarded first. */
    public void replaceStream(InputStream newStream) {
        if (pos < limit) {
            throw new IllegalStateException("buffered plaintext must be discarded before switching streams");
        }
        this.in = newStream;
    }

    /** Drops bytes already read from the socket but not yet consumed; returns how many. */
    public int discardBuffered() {
        int n = limit - pos;
        pos = limit = 0;
        return n;
    }

    public boolean hasBuffered() {
        return pos < limit;
    }

    private boolean fill() throws IOException {
        if (pos < limit) {
            return true;
        }
        beforeBlockingRead.run();
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    /**
     * Reads one command line. A line longer than {@code maxLength} octets (without CRLF) is consumed up to
     * its CRLF and reported as TOO_LONG, so the session can answer 500 and stay in sync.
     */
    public Line readLine(int maxLength) throws IOException {
        byte[] line = new byte[Math.min(maxLength, 1024)];
        int len = 0;
        boolean tooLong = false;
        boolean pendingCr = false;
        while (true) {
            if (!fill()) {
                return new Line(Framing.EOF, new byte[0]);
            }
            byte b = buf[pos++];
            if (pendingCr) {
                if (b == LF) {
                    return tooLong ? new Line(Framing.TOO_LONG, new byte[0]) : new Line(Framing.OK, java.util.Arrays.copyOf(line, len));
                }
                return new Line(Framing.BARE_NEWLINE, new byte[0]);
            }
            if (b == CR) {
                pendingCr = true;
            } else if (b == LF) {
                return new Line(Framing.BARE_NEWLINE, new byte[0]);
            } else if (!tooLong) {
                if (len == maxLength) {
                    tooLong = true;
                } else {
                    if (len == line.length) {
                        line = java.util.Arrays.copyOf(line, Math.min(maxLength, line.length * 2));
                    }
                    line[len++] = b;
                }
            }
        }
    }

    /**
     * Reads DATA content up to {@code CRLF . CRLF}, undoing dot-stuffing (RFC 5321 section 4.5.2), and writes
     * the content (ending with the last line's CRLF) to {@code out}. Once more than {@code maxSize} octets
     * have been seen the rest is read and dropped, so the client gets its 552 after the final dot.
     */
    public DataResult readData(OutputStream out, long maxSize) throws IOException {
        if (dataChunk == null) {
            dataChunk = new byte[16 * 1024];
        }
        DataScanner scanner = new DataScanner(out, maxSize, dataChunk);
        while (true) {
            if (!fill()) {
                return scanner.result(Framing.EOF);
            }
            int consumed = scanner.scan(buf, pos, limit);
            if (consumed < 0) {
                pos = -consumed;
                return scanner.result(scanner.framing);
            }
            pos = limit;
        }
    }

    /**
     * Reads exactly {@code count} octets (a BDAT chunk, RFC 3030 section 2) into {@code out}; returns false
     * if the connection ended first.
     */
    public boolean readExactly(long count, OutputStream out) throws IOException {
        long left = count;
        while (left > 0) {
            if (!fill()) {
                return false;
            }
            int n = (int) Math.min(left, limit - pos);
            out.write(buf, pos, n);
            pos += n;
            left -= n;
        }
        return true;
    }

    /** The DATA state machine, one byte at a time; output is gathered in a local buffer. */
    private static final class DataScanner {
        private static final int LINE_START = 0, DOT_AT_START = 1, IN_LINE = 2, CR_SEEN = 3, DOT_CR = 4;
        private final OutputStream out;
        private final long maxSize;
        private final byte[] chunk;
        private int chunkLen;
        private int state = LINE_START;
        private long size;
        private boolean tooBig;
        private int lineLength;
        private int longest;
        Framing framing = Framing.OK;

        DataScanner(OutputStream out, long maxSize, byte[] chunk) {
            this.out = out;
            this.maxSize = maxSize;
            this.chunk = chunk;
        }

        /** Scans buf[from, to); returns -(index after the terminator or offending byte) when done. */
        int scan(byte[] buf, int from, int to) throws IOException {
            for (int i = from; i < to; i++) {
                byte b = buf[i];
                switch (state) {
                    case LINE_START, DOT_AT_START, IN_LINE -> {
                        if (b == CR) {
                            state = state == DOT_AT_START ? DOT_CR : CR_SEEN;
                        } else if (b == LF) {
                            framing = Framing.BARE_NEWLINE;
                            flush();
                            return -(i + 1);
                        } else if (b == '.' && state == LINE_START) {
                            state = DOT_AT_START; // stuffing dot or terminator: never content
                        } else {
                            emit(b);
                            lineLength++;
                            state = IN_LINE;
                        }
                    }
                    case CR_SEEN, DOT_CR -> {
                        if (b != LF) {
                            framing = Framing.BARE_NEWLINE;
                            flush();
                            return -(i + 1);
                        }
                        if (state == DOT_CR) {
                            flush();
                            return -(i + 1);
                        }
                        emit(CR);
                        emit(LF);
                        longest = Math.max(longest, lineLength);
                        lineLength = 0;
                        state = LINE_START;
                    }
                    default -> throw new IllegalStateException();
                }
            }
            flush();
            return 0;
        }

        private void emit(byte b) throws IOException {
            size++;
            if (size > maxSize) {
                tooBig = true;
                return;
            }
            chunk[chunkLen++] = b;
            if (chunkLen == chunk.length) {
                flush();
            }
        }

        private void flush() throws IOException {
            if (chunkLen > 0 && !tooBig) {
                out.write(chunk, 0, chunkLen);
            }
            chunkLen = 0;
        }

        DataResult result(Framing f) {
            return new DataResult(f, size, tooBig, Math.max(longest, lineLength));
        }
    }
}
