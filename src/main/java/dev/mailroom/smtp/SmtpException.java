package dev.mailroom.smtp;

/**
 * The one error type of the SMTP layer: it carries the reply the client gets (as maddy's SMTPError does).
 * Policies throw it to refuse a command; the session turns it into exactly one reply.
 */
public class SmtpException extends Exception {
    private final SmtpReply reply;

    public SmtpException(SmtpReply reply) {
        super(reply.toString(), null, false, false);
        this.reply = reply;
    }

    public SmtpException(int code, String enhanced, String text) {
        this(SmtpReply.of(code, enhanced, text));
    }

    public SmtpReply reply() {
        return reply;
    }
}
