package dev.mailroom.dsn;

/** What the queue does about one recipient's outcome, as {@link NotifyPolicy#decide} tells it. */
public enum NotifyDecision {
    /** Build a DSN ({@link DsnBuilder#build}) and queue it to the original sender. */
    SEND_TO_SENDER,
    /** The sender did not ask for this kind of notice (NOTIFY): nothing to do. */
    NOT_REQUESTED,
    /**
     * A notice was due but the reverse path is null (the message was itself a bounce, or a double bounce
     * failed): send nothing and log the notice instead.
     */
    DISCARD_AND_LOG,
    /** The failure of a null-sender message, and a postmaster is configured: {@link DsnBuilder#buildForPostmaster}. */
    DOUBLE_BOUNCE
}
