package dev.mailroom.delivery;

import dev.mailroom.envelope.MailParameters;

/** What a message itself asks of transport security (RFC 8689). */
public enum MessageTls {
    /** Nothing: the domain's and the site's policies decide. */
    DEFAULT,
    /** REQUIRETLS: only verified TLS to hops that offer REQUIRETLS, or a bounce (RFC 8689 section 4.2.1). */
    REQUIRE_TLS,
    /** {@code TLS-Required: No}: MTA-STS and DANE failures are ignored, STARTTLS still tried (section 4.2.2). */
    TLS_OPTIONAL;

    public static MessageTls of(MailParameters p) {
        // RFC 8689 section 4.1: with the REQUIRETLS parameter the TLS-Required field is ignored.
        return p.requireTls() ? REQUIRE_TLS : p.tlsOptional() ? TLS_OPTIONAL : DEFAULT;
    }
}
