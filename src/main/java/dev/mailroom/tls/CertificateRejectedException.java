package dev.mailroom.tls;

import java.security.cert.CertificateException;

/** A server certificate failed a {@link CertificateCheck}, and why (RFC 8460 section 4.3 names the kinds). */
public final class CertificateRejectedException extends CertificateException {

    /** Why a certificate was refused. DANE adds its own kinds. */
    public enum Reason {
        /** RFC 8460 certificate-host-mismatch: no SAN DNS-ID names the host. */
        HOST_MISMATCH,
        /** RFC 8460 certificate-expired. */
        EXPIRED,
        /** RFC 8460 certificate-not-trusted: no path to a trusted root. */
        NOT_TRUSTED,
        /** RFC 8460 validation-failure: anything else. */
        INVALID,
        /** RFC 8460 tlsa-invalid: no record of a secure TLSA set authenticates the chain (RFC 7672 section 3). */
        TLSA_MISMATCH
    }

    private final Reason reason;

    public CertificateRejectedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The rejection in the cause chain of a failed handshake, or null when the handshake failed otherwise. */
    public static CertificateRejectedException in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertificateRejectedException r) {
                return r;
            }
        }
        return null;
    }
}
