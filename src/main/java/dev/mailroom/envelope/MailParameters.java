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
 */
public record MailParameters(BodyType body, boolean smtputf8, long declaredSize, DsnRet ret, String envid,
                             String auth, boolean requireTls) {

    public static final MailParameters NONE = new MailParameters(null, false, -1, null, null, null, false);
}
