package dev.mailroom.smtp;

import java.io.OutputStream;

/**
 * Takes the content of one message as it streams in (dot-stuffing already undone), then decides.
 * Exactly one of {@link #finish} or {@link #abort} is called.
 */
public interface MessageReceiver {

    /** The content, written in order as it arrives. */
    OutputStream content();

    /**
     * The content is complete. Check it, store it durably, and return the 250 reply; or throw the
     * rejection. Nothing may remain stored when this throws.
     *
     * @param longestLine the longest line seen, in octets without CRLF (RFC 5322 section 2.1.1 limit 998)
     */
    SmtpReply finish(long size, int longestLine) throws SmtpException;

    /** The transaction ended without a message (RSET, error, lost connection): drop everything. */
    void abort();
}
