package dev.mailroom.dsn;

import dev.mailroom.envelope.DsnNotify;
import java.util.List;

/**
 * What a notification tells the sender, matching the three conditions a client may ask for with NOTIFY
 * (RFC 3461 section 4.1). It picks the Subject of the DSN.
 */
public enum NotificationKind {
    FAILURE(DsnNotify.FAILURE, "Undelivered Mail Returned to Sender"),
    DELAY(DsnNotify.DELAY, "Delayed Mail (still being retried)"),
    SUCCESS(DsnNotify.SUCCESS, "Successful Mail Delivery Report");

    private final DsnNotify notifyValue;
    private final String subject;

    NotificationKind(DsnNotify notifyValue, String subject) {
        this.notifyValue = notifyValue;
        this.subject = subject;
    }

    /** The NOTIFY= keyword that asks for this kind of notification. */
    public DsnNotify notifyValue() {
        return notifyValue;
    }

    public String subject() {
        return subject;
    }

    /**
     * The kind of one DSN that reports on several recipients (RFC 3464 allows mixed actions in one DSN):
     * a failure outweighs a delay, a delay outweighs a success.
     */
    public static NotificationKind of(List<RecipientReport> reports) {
        NotificationKind kind = SUCCESS;
        for (RecipientReport r : reports) {
            NotificationKind k = r.action().kind();
            if (k.ordinal() < kind.ordinal()) {
                kind = k;
            }
        }
        return kind;
    }
}
