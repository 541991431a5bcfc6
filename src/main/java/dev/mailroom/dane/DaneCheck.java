package dev.mailroom.dane;

import dev.mailroom.tls.CertificateCheck;
import dev.mailroom.tls.ClientTls;
import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The certificate check of a DANE-verified connection (RFC 7672 section 3): the TLSA records decide, not the Web
 * PKI. Delivery applies it like any other {@link CertificateCheck}, so DANE is one more check, not another path.
 */
public final class DaneCheck implements CertificateCheck {
    private final TlsaSet tlsa;

    public DaneCheck(TlsaSet tlsa) {
        this.tlsa = tlsa;
    }

    public TlsaSet tlsa() {
        return tlsa;
    }

    @Override
    public X509ExtendedTrustManager trustManager() {
        return tlsa.trustManager();
    }

    /** The trust manager checks names itself, and only for DANE-TA: DANE-EE(3) must have none (section 3.1.1). */
    @Override
    public boolean checksHostName() {
        return false;
    }

    /**
     * Includes the base domain and the records, so that a cached connection is reused only for a delivery under the
     * same TLSA set, never for one whose records have changed or for an opportunistic one.
     */
    @Override
    public String name() {
        return "dane-" + tlsa.baseDomain() + "-" + Integer.toHexString(tlsa.records().hashCode());
    }

    /** SNI is the TLSA base domain whatever host name the caller has (RFC 7672 section 8.1). */
    @Override
    public SSLSocket handshake(Socket plain, String host, int port) throws IOException {
        return ClientTls.wrapClient(tlsa.sslContext().getSocketFactory(), plain, tlsa.baseDomain(), port, false);
    }
}
