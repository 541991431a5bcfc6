package dev.mailroom.tls;

import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The Web PKI check that MTA-STS (RFC 8461 section 4.2) and a configured "required" policy ask for: the chain
 * leads to a trusted root, every certificate is within its validity, and a SAN DNS-ID matches the host (RFC 6125
 * rules, the JDK's "HTTPS" identification). The chain is validated first and the name second, so a rejection
 * says which of the two failed (RFC 8460 certificate-not-trusted, -expired or -host-mismatch).
 */
public final class PkixCheck implements CertificateCheck {
    private final X509ExtendedTrustManager classifying;

    public PkixCheck(X509ExtendedTrustManager pkix) {
        this.classifying = new Classifying(pkix);
    }

    /** System roots plus, optionally, the CAs of a PEM file ({@code [delivery] trusted_ca}). */
    public static PkixCheck withRoots(Optional<Path> extraTrustedCaPem) {
        return new PkixCheck(ClientTls.pkixTrustManager(extraTrustedCaPem));
    }

    @Override
    public X509ExtendedTrustManager trustManager() {
        return classifying;
    }

    @Override
    public boolean checksHostName() {
        return true;
    }

    @Override
    public String name() {
        return "pkix";
    }

    /** Classifies what the JDK's PKIX trust manager refuses; accepts exactly what it accepts. */
    private static final class Classifying extends ServerSocketTrustManager {
        private final X509ExtendedTrustManager pkix;

        Classifying(X509ExtendedTrustManager pkix) {
            this.pkix = pkix;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                pkix.checkServerTrusted(chain, authType); // the chain alone: no endpoint identification
            } catch (CertificateException e) {
                throw pathFailure(e);
            }
            try {
                pkix.checkServerTrusted(chain, authType, socket); // now with the host name
            } catch (CertificateException e) {
                throw new CertificateRejectedException(CertificateRejectedException.Reason.HOST_MISMATCH,
                        e.getMessage(), e);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }

    private static CertificateRejectedException pathFailure(CertificateException e) {
        CertificateRejectedException.Reason reason = CertificateRejectedException.Reason.INVALID;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException
                    || (t instanceof CertPathValidatorException v
                    && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED)) {
                reason = CertificateRejectedException.Reason.EXPIRED;
                break;
            }
            if (t instanceof CertPathBuilderException
                    || (t instanceof CertPathValidatorException v
                    && v.getReason() == java.security.cert.PKIXReason.NO_TRUST_ANCHOR)) {
                reason = CertificateRejectedException.Reason.NOT_TRUSTED;
            }
        }
        return new CertificateRejectedException(reason, e.getMessage(), e);
    }
}
