package dev.mailroom.message;

/**
 * Finds the end of the header section in a message as it streams in: the first empty line, i.e. the first
 * CRLF that directly follows another CRLF or starts the message (RFC 5322 section 2.1). The header section
 * is everything before that empty line; the body starts after it.
 *
 * <p>A cap bounds the memory spent buffering headers before they can be checked: a client that never sends
 * the empty line must not make the server hold an unbounded section.
 *
 * <pre>{@code
 * HeaderEnd end = new HeaderEnd(256 * 1024);
 * int i = end.feed(buf, 0, n);     // -1 until found, then the index in buf where the body starts
 * ...
 * end.finish();                    // at end of data: a message with no body ends its headers at EOF
 * long headerLength = end.headerLength();
 * }</pre>
 */
public final class HeaderEnd {

    public static final int DEFAULT_LIMIT = 256 * 1024;

    private final long limit;
    /** Bytes of the "\r\n\r\n" pattern matched so far. Starts at 2 so that an initial CRLF is the empty line. */
    private int state = 2;
    private long position;
    private long headerLength = -1;
    private long bodyOffset = -1;

    public HeaderEnd() {
        this(DEFAULT_LIMIT);
    }

    /** @param limit the largest header section accepted, in octets, not counting the empty line */
    public HeaderEnd(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("negative limit");
        }
        this.limit = limit;
    }

    /**
     * Feeds the next bytes of the message.
     *
     * @return -1 if the header section has not ended yet (also once it has been found earlier), else the
     *         index in {@code buf} just past the empty line, where the body starts
     * @throws MessageFormatException when the header section is certain to exceed the limit
     */
    public int feed(byte[] buf, int off, int len) throws MessageFormatException {
        if (found()) {
            return -1;
        }
        for (int i = off; i < off + len; i++) {
            byte b = buf[i];
            position++;
            if (b == '\r') {
                state = state == 2 ? 3 : 1;
            } else if (b == '\n' && (state == 1 || state == 3)) {
                if (state == 3) {
                    bodyOffset = position;
                    headerLength = position - 2;
                    state = 4;
                    check(headerLength);
                    return i + 1;
                }
                state = 2;
            } else {
                state = 0;
            }
            // The shortest header section still possible: the CRLF being matched may end the last line.
            check(position + 2 - state);
        }
        return -1;
    }

    /** Convenience for feeding a whole array. */
    public int feed(byte[] buf) throws MessageFormatException {
        return feed(buf, 0, buf.length);
    }

    /**
     * Marks the end of the message. If no empty line was seen, the whole message is the header section and
     * there is no body (RFC 5322 section 3.5 makes the body optional).
     */
    public void finish() throws MessageFormatException {
        if (!found()) {
            check(position);
            headerLength = position;
            bodyOffset = position;
            state = 4;
        }
    }

    private void check(long minimalHeaderLength) throws MessageFormatException {
        if (minimalHeaderLength > limit) {
            throw new MessageFormatException("header section too large (max " + limit + " octets)");
        }
    }

    /** True once the empty line was seen or {@link #finish()} was called. */
    public boolean found() {
        return state == 4;
    }

    /** Length of the header section (every field with its CRLF, without the empty line), or -1. */
    public long headerLength() {
        return headerLength;
    }

    /** Offset in the message where the body starts, or -1; equals headerLength when there is no empty line. */
    public long bodyOffset() {
        return bodyOffset;
    }

    /** True if the message had an empty line, i.e. {@link #bodyOffset()} is past a separator. */
    public boolean hasSeparator() {
        return found() && bodyOffset != headerLength;
    }
}
