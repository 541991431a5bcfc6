package dev.mailroom.envelope;

/** One value of the NOTIFY= parameter of RCPT (RFC 3461 section 4.1). */
public enum DsnNotify {
    NEVER, SUCCESS, FAILURE, DELAY
}
