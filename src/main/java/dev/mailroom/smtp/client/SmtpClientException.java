package dev.mailroom.smtp.client;

import dev.mailroom.smtp.SmtpReply;

/**
 * The peer answered with a reply the client cannot go on from (a non-220 greeting, a refused EHLO and
 * HELO, a failed STARTTLS or AUTH), or it sent something that is not an SMTP reply at all.
 *
 * <p>Refusals inside a mail transaction are not exceptions: {@link SmtpClient#send} reports them in a
 * {@link TransactionResult}, because the caller needs every reply to decide per recipient.
 */
public final class SmtpClientException extends Exception {
    private final SmtpReply reply;

    /** The peer refused: {@code reply} is what it said. */
    public SmtpClientException(String message, SmtpReply reply) {
        super(reply == null ? message : message + ": " + reply);
        this.reply = reply;
    }

    /** The peer sent protocol garbage (no reply to carry). */
    public SmtpClientException(String message) {
        this(message, null);
    }

    /** The reply that caused the failure, or null when the peer sent something that is not a reply. */
    public SmtpReply reply() {
        return reply;
    }
}
