package dev.mailroom.address;

/**
 * An address that does not follow the grammar or the limits. The reason is short English text meant to go
 * straight into an SMTP reply ("501 5.1.3 invalid character in domain"), so it never echoes client data.
 */
public final class AddressException extends Exception {

    private final String reason;
    private final boolean utf8Required;

    AddressException(String reason) {
        this(reason, false);
    }

    /**
     * @param utf8Required true when the only problem is a non-ASCII character without SMTPUTF8: RFC 6531
     *                     section 3.5 gives that case its own reply codes (553/550 5.6.7, UTF8-04) instead of
     *                     the plain syntax error 501 (SMTP-11)
     */
    AddressException(String reason, boolean utf8Required) {
        super(reason);
        this.reason = reason;
        this.utf8Required = utf8Required;
    }

    public String reason() {
        return reason;
    }

    /** True when the address would be acceptable with SMTPUTF8 (RFC 6531 section 3.5, UTF8-04). */
    public boolean utf8Required() {
        return utf8Required;
    }
}
