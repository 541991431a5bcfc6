package dev.mailroom.tlsrpt;

/** The result types of RFC 8460 section 4.3, as they appear in a report. */
public enum ResultType {
    // 4.3.1 negotiation failures
    STARTTLS_NOT_SUPPORTED("starttls-not-supported"),
    CERTIFICATE_HOST_MISMATCH("certificate-host-mismatch"),
    CERTIFICATE_EXPIRED("certificate-expired"),
    CERTIFICATE_NOT_TRUSTED("certificate-not-trusted"),
    VALIDATION_FAILURE("validation-failure"),
    // 4.3.2 policy failures
    TLSA_INVALID("tlsa-invalid"),
    DNSSEC_INVALID("dnssec-invalid"),
    DANE_REQUIRED("dane-required"),
    STS_POLICY_FETCH_ERROR("sts-policy-fetch-error"),
    STS_POLICY_INVALID("sts-policy-invalid"),
    STS_WEBPKI_INVALID("sts-webpki-invalid");

    private final String wire;

    ResultType(String wire) {
        this.wire = wire;
    }

    /** The name in the report JSON, e.g. "certificate-expired". */
    public String wire() {
        return wire;
    }

    public static ResultType fromWire(String wire) {
        for (ResultType t : values()) {
            if (t.wire.equals(wire)) {
                return t;
            }
        }
        throw new IllegalArgumentException("not an RFC 8460 result type: " + wire);
    }
}
