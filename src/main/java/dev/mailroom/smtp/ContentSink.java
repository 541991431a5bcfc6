package dev.mailroom.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Stands between the wire and a {@link MessageReceiver}: counts octets, stops at the size limit, and
 * remembers the first storage error instead of throwing it into the middle of the protocol. The session
 * must always read a message to its end (or a BDAT chunk to its last octet) to stay in sync with the
 * client, and only then report what went wrong (452 4.3.1, 552 5.3.4).
 *
 * <p>For BDAT text (not BINARYMIME) it also watches for bare CR or LF across chunk boundaries
 * (DATA-04: the same rule as for DATA).
 */
final class ContentSink extends OutputStream {
    private final OutputStream target;
    private final long maxSize;
    private final boolean checkNewlines;
    private long size;
    private boolean tooBig;
    private IOException error;
    private boolean previousCr;
    private boolean bareNewline;
    private int lineLength;
    private int longestLine;

    ContentSink(OutputStream target, long maxSize, boolean checkNewlines) {
        this.target = target;
        this.maxSize = maxSize;
        this.checkNewlines = checkNewlines;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (checkNewlines) {
            scan(b, off, len);
        }
        size += len;
        if (tooBig || error != null) {
            return;
        }
        if (size > maxSize) {
            tooBig = true;
            return;
        }
        try {
            target.write(b, off, len);
        } catch (IOException e) {
            error = e;
        }
    }

    private void scan(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (previousCr && c != '\n') {
                bareNewline = true;
            } else if (!previousCr && c == '\n') {
                bareNewline = true;
            }
            if (c == '\n') {
                longestLine = Math.max(longestLine, lineLength);
                lineLength = 0;
            } else if (c != '\r') {
                lineLength++;
            }
            previousCr = c == '\r';
        }
    }

    /** Flushes the target, capturing any error. */
    void finishWriting() {
        if (error == null && !tooBig) {
            try {
                target.flush();
            } catch (IOException e) {
                error = e;
            }
        }
    }

    long size() {
        return size;
    }

    boolean tooBig() {
        return tooBig;
    }

    IOException error() {
        return error;
    }

    /** A bare CR or LF was seen. */
    boolean bareNewline() {
        return bareNewline;
    }

    /** The content so far ends with a CR whose LF has not come yet. */
    boolean endsWithCr() {
        return previousCr;
    }

    int longestLine() {
        return Math.max(longestLine, lineLength);
    }
}
