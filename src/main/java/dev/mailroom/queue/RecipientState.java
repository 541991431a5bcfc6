package dev.mailroom.queue;

import dev.mailroom.smtp.SmtpReply;
import java.time.Instant;

/**
 * Where delivery to one envelope recipient stands: what the queue needs to retry it, to list it, and to write
 * the delivery status notification for it (RFC 3464 section 2.3: Action, Status, Remote-MTA, Diagnostic-Code,
 * Last-Attempt-Date).
 *
 * @param outcome     pending until delivered, relayed or failed for good
 * @param reply       the last reply for this recipient (a transient one while pending), or null before any attempt
 * @param remoteMta   the host that gave the reply, or null when none did (local delivery, or no connection)
 * @param lastAttempt when the last attempt for this recipient ended, or null before any attempt
 */
public record RecipientState(Outcome outcome, SmtpReply reply, String remoteMta, Instant lastAttempt) {

    public enum Outcome {
        /** Not finished: never tried, or deferred by a transient failure. */
        PENDING,
        /** Delivered to its final mailbox here (RFC 3464 Action: delivered). */
        DELIVERED,
        /** Handed to a next hop that took responsibility and reports on it itself (it offered DSN). */
        RELAYED,
        /**
         * Handed to a next hop without DSN: Mailroom owes the sender the notice it asked for (RFC 3461 section
         * 5.2.2, Action: relayed).
         */
        RELAYED_WITHOUT_DSN,
        /** Failed for good: a permanent reply, or the message expired in the queue (RFC 3464 Action: failed). */
        FAILED;

        public boolean finished() {
            return this != PENDING;
        }
    }

    public static final RecipientState FRESH = new RecipientState(Outcome.PENDING, null, null, null);

    public RecipientState {
        if (outcome == null) {
            throw new IllegalArgumentException("outcome is required");
        }
    }
}
