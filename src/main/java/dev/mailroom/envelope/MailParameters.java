package dev.mailroom.envelope;

/**
 * The parameters of MAIL FROM that Mailroom keeps with a message.
 *
 * @param body          BODY=, or null when not given (7-bit is then assumed)
 * @param smtputf8      the SMTPUTF8 parameter was given (RFC 6531)
 * @param declaredSize  SIZE=, or -1 when not given
 * @param ret           RET=, or null when not given
 * @param envid         ENVID= exactly as received (xtext, case kept), or null
 * @param auth          AUTH= exactly as received (xtext), or null (RFC 4954 section 5)
 * @param requireTls    the REQUIRETLS parameter was given (RFC 8689)
 * @param tlsOptional   the message has {@code TLS-Required: No} and no REQUIRETLS parameter (RFC 8689 section 5):
 *                      MTA-STS and DANE failures do not stop its delivery
 */
public record MailParameters(BodyType body, boolean smtputf8, long declaredSize, DsnRet ret, String envid,
                             String auth, boolean requireTls, boolean tlsOptional) {

    public static final MailParameters NONE = new MailParameters(null, false, -1, null, null, null, false);

    public MailParameters {
        if (requireTls && tlsOptional) {
            throw new IllegalArgumentException("REQUIRETLS and TLS-Required: No exclude each other (RFC 8689 4.1)");
        }
    }

    /** Without the TLS-Required tag, which only the header section can set. */
    public MailParameters(BodyType body, boolean smtputf8, long declaredSize, DsnRet ret, String envid, String auth,
                          boolean requireTls) {
        this(body, smtputf8, declaredSize, ret, envid, auth, requireTls, false);
    }

    /** The same parameters tagged {@code TLS-Required: No}; unchanged with REQUIRETLS, which wins (RFC 8689 4.1). */
    public MailParameters withTlsOptional() {
        return requireTls ? this : new MailParameters(body, smtputf8, declaredSize, ret, envid, auth, false, true);
    }
}
