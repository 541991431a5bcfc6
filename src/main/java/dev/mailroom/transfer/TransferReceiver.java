package dev.mailroom.transfer;

import dev.mailroom.message.TlsRequiredField;
import dev.mailroom.queue.SpoolOpener;
import dev.mailroom.queue.SpoolWriter;
import dev.mailroom.smtp.MessageReceiver;
import dev.mailroom.smtp.SmtpException;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.StorageFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Function;

/**
 * Takes a message arriving on port 25: the Received field first, then every byte exactly as it came (an
 * MTA relays content unchanged; RFC 6409 section 8 keeps Date and Message-ID fix-ups for the MSA), while
 * {@link ReceivedCounter} counts the Received fields already in it. The spool file is created at once, so that a
 * storage failure is reported before 354; only the header section is held in memory (up to {@value #HEAD_LIMIT}
 * octets), and when it says {@code TLS-Required: No} the still empty file is swapped for one whose envelope carries
 * the tag (RFC 8689 section 5). The body streams to the spool file, whatever its size.
 *
 * <p>At the final dot: more Received fields than allowed is a mail loop, refused with 554 5.4.6 and nothing
 * kept (RFC 5321 section 6.3: a server MUST detect and stop loops; RFC 3463 X.4.6 "routing loop
 * detected"); otherwise the spool commits (fsync) and only then does the client hear 250.
 */
final class TransferReceiver implements MessageReceiver {
    /** A header section longer than this is spooled without waiting for its end (no TLS-Required tag then). */
    static final int HEAD_LIMIT = 256 * 1024;

    private final SpoolOpener opener;
    private final Function<String, byte[]> traceField;
    private final int maxReceived;
    private final ReceivedCounter counter = new ReceivedCounter();
    private final OutputStream content = new Counting();
    private ByteArrayOutputStream head = new ByteArrayOutputStream(4096);
    private SpoolWriter writer;
    private boolean started; // the Received field and the held header section are in the spool file
    private IOException storageError; // the first failed write: never commit after one

    /**
     * @param traceField the Received field to put first, for the queue id
     * @throws IOException the spool file cannot be created
     */
    TransferReceiver(SpoolOpener opener, Function<String, byte[]> traceField, int maxReceived) throws IOException {
        this.opener = opener;
        this.traceField = traceField;
        this.maxReceived = maxReceived;
        this.writer = opener.open(false);
    }

    @Override
    public OutputStream content() {
        return content;
    }

    private boolean loop() {
        return counter.count() > maxReceived;
    }

    /** Counts, then writes to the spool; once a loop is certain, the rest need not reach the disk. */
    private final class Counting extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!counter.inBody()) {
                counter.update(b, off, len);
            }
            if (loop()) {
                return;
            }
            if (storageError != null) {
                throw storageError;
            }
            try {
                if (started) {
                    writer.content().write(b, off, len);
                    return;
                }
                head.write(b, off, len);
                if (counter.inBody() || head.size() >= HEAD_LIMIT) {
                    start();
                }
            } catch (IOException e) {
                storageError = e; // RFC 5321 section 4.2.5: a message not stored completely is not committed
                throw e;
            }
        }
    }

    /** Tags the spool file if the header says so, then writes the Received field and what has been held back. */
    private void start() throws IOException {
        byte[] held = head.toByteArray();
        head = null;
        started = true;
        if (TlsRequiredField.saysNo(held, held.length)) {
            writer.abort();
            writer = opener.open(true);
        }
        writer.content().write(traceField.apply(writer.id()));
        writer.content().write(held);
    }

    @Override
    public SmtpReply finish(long size, int longestLine) throws SmtpException {
        // No 998-octet line check here, unlike submission: a relay passes on what it was given
        // (RFC 5321 section 4.5.3.1: impose no limits where none are needed).
        try {
            if (loop()) {
                throw new SmtpException(554, "5.4.6", "Too many Received header fields (" + counter.count()
                        + ", at most " + maxReceived + "): mail loop");
            }
            if (storageError != null) {
                throw storageError;
            }
            if (!started) {
                start(); // the content ended inside the header section
            }
            writer.commit();
        } catch (IOException e) {
            abort();
            throw StorageFailure.of(e);
        } catch (SmtpException | RuntimeException e) {
            abort();
            throw e;
        }
        return SmtpReply.of(250, "2.0.0", "OK queued as " + writer.id());
    }

    @Override
    public void abort() {
        writer.abort();
    }
}
