package dev.mailroom.submission;

/** What to do with an address without a domain (RFC 6409 section 4.2 and 8.8). */
public enum UnqualifiedAddresses {
    /** Append the configured default domain. */
    COMPLETE,
    /** Refuse the command or message. */
    REJECT
}
