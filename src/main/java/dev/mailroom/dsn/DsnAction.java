package dev.mailroom.dsn;

/** The Action field of a per-recipient block (RFC 3464 section 2.3.3). */
public enum DsnAction {
    /** Could not be delivered and will not be retried. */
    FAILED("failed", '5', NotificationKind.FAILURE),
    /** Not delivered yet; still being retried. */
    DELAYED("delayed", '4', NotificationKind.DELAY),
    /** Delivered to the recipient's mailbox. */
    DELIVERED("delivered", '2', NotificationKind.SUCCESS),
    /** Handed to a system that does not send DSNs (RFC 3461 section 5.2); no further notice will come. */
    RELAYED("relayed", '2', NotificationKind.SUCCESS),
    /** Delivered to a list or alias that was expanded into other recipients (RFC 3461 section 5.2). */
    EXPANDED("expanded", '2', NotificationKind.SUCCESS);

    private final String keyword;
    private final char statusClass;
    private final NotificationKind kind;

    DsnAction(String keyword, char statusClass, NotificationKind kind) {
        this.keyword = keyword;
        this.statusClass = statusClass;
        this.kind = kind;
    }

    /** The value as written in the Action field. */
    public String keyword() {
        return keyword;
    }

    /**
     * The class digit a Status must have with this action (RFC 3463 section 2: 2 success, 4 persistent
     * transient failure, 5 permanent failure).
     */
    public char statusClass() {
        return statusClass;
    }

    public NotificationKind kind() {
        return kind;
    }
}
