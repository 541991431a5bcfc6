package dev.mailroom.dsn;

import dev.mailroom.envelope.Recipient;
import dev.mailroom.smtp.SmtpReply;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What happened to one recipient: one per-recipient block of a DSN (RFC 3464 section 2.3).
 *
 * @param recipient      the envelope recipient as accepted, with its NOTIFY and ORCPT parameters
 * @param action         failed, delayed, delivered, relayed or expanded
 * @param status         the RFC 3463 enhanced status code, e.g. {@code 5.1.1}; its class must fit the action
 * @param reply          the remote server's reply that settled it, or null when no server answered
 * @param remoteMta      the host name of the server that gave the reply, or null
 * @param detail         a local explanation when there is no reply (e.g. "connection refused"), or null
 * @param lastAttempt    when delivery was last attempted
 * @param willRetryUntil for a delay notice: when the queue gives up; null for every other action
 */
public record RecipientReport(Recipient recipient, DsnAction action, String status, SmtpReply reply,
                              String remoteMta, String detail, Instant lastAttempt, Instant willRetryUntil) {

    // RFC 3464 section 2.3.4: status-code = DIGIT "." 1*3DIGIT "." 1*3DIGIT, class 2, 4 or 5 (RFC 3463 section 2).
    private static final Pattern STATUS = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    public RecipientReport {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(lastAttempt, "lastAttempt");
        if (!STATUS.matcher(status).matches()) {
            throw new IllegalArgumentException("not an enhanced status code: " + status);
        }
        if (status.charAt(0) != action.statusClass()) {
            throw new IllegalArgumentException("status " + status + " does not fit action " + action.keyword());
        }
        if (willRetryUntil != null && action != DsnAction.DELAYED) {
            throw new IllegalArgumentException("Will-Retry-Until belongs to delay notices only (RFC 3464 2.3.9)");
        }
        if (action == DsnAction.DELAYED && willRetryUntil == null) {
            throw new IllegalArgumentException("a delay notice says until when it retries");
        }
        if (detail != null && (detail.indexOf('\r') >= 0 || detail.indexOf('\n') >= 0)) {
            throw new IllegalArgumentException("detail must be one line");
        }
    }

    /** A permanent failure after a remote server's 5xx reply. */
    public static RecipientReport failed(Recipient recipient, SmtpReply reply, String remoteMta, Instant at) {
        return new RecipientReport(recipient, DsnAction.FAILED, statusOf(reply), reply, remoteMta, null, at, null);
    }

    /** A permanent failure with no reply to quote (expired in the queue, no route, ...). */
    public static RecipientReport failed(Recipient recipient, String status, String detail, Instant at) {
        return new RecipientReport(recipient, DsnAction.FAILED, status, null, null, detail, at, null);
    }

    /** Still being retried, possibly after a 4xx reply (reply and remoteMta may be null). */
    public static RecipientReport delayed(Recipient recipient, SmtpReply reply, String remoteMta, String detail,
                                          Instant at, Instant willRetryUntil) {
        String status = reply != null ? statusOf(reply) : "4.0.0";
        return new RecipientReport(recipient, DsnAction.DELAYED, status, reply, remoteMta, detail, at, willRetryUntil);
    }

    /** Delivered (or, with {@link DsnAction#RELAYED} / {@link DsnAction#EXPANDED}, passed on) after a 2xx reply. */
    public static RecipientReport succeeded(Recipient recipient, DsnAction action, SmtpReply reply, String remoteMta,
                                            Instant at) {
        return new RecipientReport(recipient, action, statusOf(reply), reply, remoteMta, null, at, null);
    }

    /**
     * The enhanced code of a reply; a server without ENHANCEDSTATUSCODES gives none, and then the class
     * of the basic code with "other or undefined" (RFC 3463 section 3.1, X.0.0) stands for it.
     */
    public static String statusOf(SmtpReply reply) {
        if (reply.enhanced() != null) {
            return reply.enhanced();
        }
        return (reply.code() / 100) + ".0.0";
    }
}
