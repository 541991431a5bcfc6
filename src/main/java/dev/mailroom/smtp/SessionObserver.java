package dev.mailroom.smtp;

/**
 * What the protocol engine reports about its sessions for operators (the metrics): the events only, no policy.
 * Called on the session threads, so implementations keep each call cheap and thread-safe.
 */
public interface SessionObserver {
    /** Reports nothing: for listeners started without metrics (tests, the sink). */
    SessionObserver NONE = new SessionObserver() { };

    /** The TLS handshake of a session on this listener completed with this protocol (e.g. "TLSv1.3"). */
    default void tlsEstablished(String listener, String protocol) { }

    /** An AUTH exchange with this (offered, upper-case) mechanism ended, with success or not. */
    default void authenticated(String listener, String mechanism, boolean success) { }

    /** A message was accepted (2xx at the end of DATA or BDAT LAST), of this size in octets. */
    default void messageAccepted(String listener, long size) { }

    /** A transaction command (MAIL, RCPT, DATA, BDAT) was refused with this 4xx/5xx reply code. */
    default void rejected(String listener, String command, int code) { }
}
