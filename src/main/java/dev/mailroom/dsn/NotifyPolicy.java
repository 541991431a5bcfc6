package dev.mailroom.dsn;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.DsnNotify;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.Recipient;
import java.util.Set;

/** When a DSN is due, and where it goes (RFC 3461 sections 4.1, 5.2 and 6; RFC 5321 section 6.1). */
public final class NotifyPolicy {

    private NotifyPolicy() {
    }

    /**
     * Whether the recipient's NOTIFY parameter asks for this kind of notice (RFC 3461 section 4.1):
     * NEVER asks for none; otherwise the listed ones. Without NOTIFY the MTA decides, and RFC 3461
     * suggests behaving as if FAILURE,DELAY had been given: failures and delays, not successes.
     */
    public static boolean shouldNotify(Recipient recipient, NotificationKind kind) {
        Set<DsnNotify> notify = recipient.notifyOn();
        if (notify.isEmpty()) {
            return kind != NotificationKind.SUCCESS;
        }
        if (notify.contains(DsnNotify.NEVER)) {
            return false;
        }
        return notify.contains(kind.notifyValue());
    }

    /**
     * What to do about a recipient's outcome of this kind.
     *
     * <p>No DSN ever goes to the null reverse path (RFC 5321 section 6.1), and every DSN is sent from it
     * (section 4.5.5): that is how a bounce of a bounce, and a loop of them, is avoided. When such a
     * message fails, the notice is logged and dropped, or, when the site configured a postmaster for it,
     * sent to the postmaster as a double bounce (as Postfix's 2bounce notices). A failure of a message
     * addressed to that postmaster itself is never double-bounced: that is how a double bounce that fails
     * ends.
     *
     * @param doubleBounceTo the postmaster who receives double bounces, or null to discard them
     */
    public static NotifyDecision decide(Envelope envelope, Recipient recipient, NotificationKind kind,
                                        Mailbox doubleBounceTo) {
        if (!shouldNotify(recipient, kind)) {
            return NotifyDecision.NOT_REQUESTED;
        }
        if (envelope.reversePath() != null) {
            return NotifyDecision.SEND_TO_SENDER;
        }
        if (kind == NotificationKind.FAILURE && doubleBounceTo != null
                && !doubleBounceTo.key().equals(recipient.mailbox().key())) {
            return NotifyDecision.DOUBLE_BOUNCE;
        }
        return NotifyDecision.DISCARD_AND_LOG;
    }
}
