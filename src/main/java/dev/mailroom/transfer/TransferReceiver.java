package dev.mailroom.transfer;

import dev.mailroom.queue.SpoolWriter;
import dev.mailroom.smtp.MessageReceiver;
import dev.mailroom.smtp.SmtpException;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.StorageFailure;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Takes a message arriving on port 25: the Received field first, then every byte exactly as it came (an
 * MTA relays content unchanged; RFC 6409 section 8 keeps Date and Message-ID fix-ups for the MSA), while
 * {@link ReceivedCounter} counts the Received fields already in it. Nothing is buffered: the content
 * streams to the spool file, whatever its size.
 *
 * <p>At the final dot: more Received fields than allowed is a mail loop, refused with 554 5.4.6 and nothing
 * kept (RFC 5321 section 6.3: a server MUST detect and stop loops; RFC 3463 X.4.6 "routing loop
 * detected"); otherwise the spool commits (fsync) and only then does the client hear 250.
 */
final class TransferReceiver implements MessageReceiver {
    private final SpoolWriter writer;
    private final int maxReceived;
    private final ReceivedCounter counter = new ReceivedCounter();
    private final OutputStream content = new Counting();
    private IOException storageError; // the first failed write: never commit after one

    /** @param traceField the Received field to put first (already written when this returns) */
    TransferReceiver(SpoolWriter writer, byte[] traceField, int maxReceived) throws IOException {
        this.writer = writer;
        this.maxReceived = maxReceived;
        writer.content().write(traceField);
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
                writer.content().write(b, off, len);
            } catch (IOException e) {
                storageError = e; // RFC 5321 section 4.2.5: a message not stored completely is not committed
                throw e;
            }
        }
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
            writer.commit();
        } catch (IOException e) {
            writer.abort();
            throw StorageFailure.of(e);
        } catch (SmtpException | RuntimeException e) {
            writer.abort();
            throw e;
        }
        return SmtpReply.of(250, "2.0.0", "OK queued as " + writer.id());
    }

    @Override
    public void abort() {
        writer.abort();
    }
}
