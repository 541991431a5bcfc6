package dev.mailroom.smtp;

/** How a listener offers TLS. */
public enum TlsMode {
    /** No TLS at all (only for tests and trusted benchmark listeners). */
    NONE,
    /** STARTTLS offered (RFC 3207); see {@link ListenerSettings#requireTls()}. */
    STARTTLS,
    /** TLS from the first byte (RFC 8314, port 465). */
    IMPLICIT
}
