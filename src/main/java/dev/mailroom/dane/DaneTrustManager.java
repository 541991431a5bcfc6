package dev.mailroom.dane;

import dev.mailroom.tls.CertificateRejectedException;
import dev.mailroom.tls.CertificateRejectedException.Reason;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Authenticates an SMTP server by its TLSA records (RFC 7672 section 3), for one connection.
 *
 * <ul>
 *   <li>DANE-EE(3): the server's own certificate, or its public key, matches a record. Nothing else is checked:
 *       not the names, not the dates, not who signed it (RFC 7672 section 3.1.1).</li>
 *   <li>DANE-TA(2): some certificate of the chain the server sent, or its public key, matches a record; that
 *       certificate is the trust anchor, the chain from the server's certificate up to it must verify (signatures,
 *       CA constraints, and the dates of the certificates below the anchor, with the JDK's PKIX validator), and the
 *       server certificate must name the TLSA base domain or the next-hop domain (RFC 7672 sections 3.1.2, 3.2.2
 *       and 3.2.3). The anchor must be in the chain: RFC 7672 section 3.1.2 asks servers to send it.</li>
 * </ul>
 *
 * <p>It extends {@link X509ExtendedTrustManager} so that the JDK does not add a host name check of its own (it
 * would for a plain X509TrustManager): with DANE-EE the name must not matter. There are no accepted issuers and no
 * client certificates.
 */
public final class DaneTrustManager extends X509ExtendedTrustManager {
    private final TlsaSet tlsa;

    public DaneTrustManager(TlsaSet tlsa) {
        this.tlsa = tlsa;
    }

    /**
     * Whether the chain (server certificate first) is authenticated by the TLSA records.
     *
     * @throws CertificateException saying which record kinds were tried and why each failed; a
     *                              {@link CertificateRejectedException} when the records do not authenticate the chain,
     *                              so a failed delivery is reported as tlsa-invalid (RFC 8460 section 4.3.2)
     */
    public void verify(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the server sent no certificate");
        }
        X509Certificate leaf = chain[0];
        for (TlsaRecord r : tlsa.records()) {
            if (r.usage() == TlsaRecord.DANE_EE && r.matches(leaf)) {
                return; // RFC 7672 section 3.1.1
            }
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < chain.length; i++) {
            for (TlsaRecord r : tlsa.records()) {
                if (r.usage() != TlsaRecord.DANE_TA || !r.matches(chain[i])) {
                    continue;
                }
                try {
                    verifyPathTo(chain, i);
                    verifyName(leaf);
                    return;
                } catch (CertificateException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        if (problems.isEmpty()) {
            throw new CertificateRejectedException(Reason.TLSA_MISMATCH, "no TLSA record of " + tlsa.baseDomain()
                    + " matches the server's certificate chain (" + chain.length + " certificates)", null);
        }
        throw new CertificateRejectedException(Reason.TLSA_MISMATCH, "DANE-TA: " + String.join("; ", problems), null);
    }

    /** RFC 7672 section 3.1.2: the chain below the trust anchor at {@code anchor} must verify. */
    private static void verifyPathTo(X509Certificate[] chain, int anchor) throws CertificateException {
        if (anchor == 0) {
            return; // the server certificate is itself the trust anchor: no path to check, its name still is
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            CertPath path = factory.generateCertPath(Arrays.asList(chain).subList(0, anchor));
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(chain[anchor], null)));
            params.setRevocationEnabled(false); // no CRL or OCSP fetches from a delivery worker; DNS is the authority
            CertPathValidator.getInstance("PKIX").validate(path, params);
        } catch (CertPathValidatorException e) {
            throw new CertificateException("the chain to the trust anchor does not verify: " + e.getMessage(), e);
        } catch (InvalidAlgorithmParameterException e) {
            throw new CertificateException("unusable trust anchor: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("cannot verify the chain: " + e.getMessage(), e);
        }
    }

    /** RFC 7672 sections 3.2.2-3.2.3: a DANE-TA server certificate must name the base domain or the next hop. */
    private void verifyName(X509Certificate leaf) throws CertificateException {
        List<String> presented = ServerNames.presented(leaf);
        for (String name : presented) {
            for (String reference : tlsa.referenceNames()) {
                if (ServerNames.matches(name, reference)) {
                    return;
                }
            }
        }
        throw new CertificateException("the certificate names " + presented + ", not " + tlsa.referenceNames());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a DANE trust manager authenticates servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
