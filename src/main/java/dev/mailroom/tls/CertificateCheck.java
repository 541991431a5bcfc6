package dev.mailroom.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How the certificate of one outbound TLS server is judged: PKIX with the host name now ({@link PkixCheck}), a
 * TLSA record set later (RFC 7672) as another implementation. The trust manager refuses a certificate by throwing
 * a {@link CertificateRejectedException} that names why, so a failed {@link #handshake} can be reported with its
 * RFC 8460 result type.
 */
public interface CertificateCheck {

    /** Accepts or refuses the server's chain; as an extended trust manager it gets the socket (SNI, host). */
    X509ExtendedTrustManager trustManager();

    /** Whether the server certificate must name the host (RFC 6125, the JDK's "HTTPS" identification). */
    boolean checksHostName();

    /** A short name for logs and connection-cache keys, e.g. "pkix". */
    String name();

    /**
     * Client-mode TLS 1.2 or later over a connected socket, SNI {@code host} (RFC 8461 section 4.2, RFC 7672
     * section 8.1), handshake done. A refused certificate fails the handshake; the socket is then closed.
     */
    default SSLSocket handshake(Socket plain, String host, int port) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustManager()}, null);
            return ClientTls.wrapClient(ctx.getSocketFactory(), plain, host, port, checksHostName());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build TLS client context: " + e.getMessage(), e);
        }
    }

    /**
     * The same check that only reports: a refused certificate goes to {@code onRejected} and the handshake goes on
     * (MTA-STS "testing", RFC 8461 section 5).
     */
    default CertificateCheck reportingOnly(Consumer<CertificateRejectedException> onRejected) {
        CertificateCheck enforcing = this;
        return new CertificateCheck() {
            @Override
            public X509ExtendedTrustManager trustManager() {
                return new ReportingTrustManager(enforcing.trustManager(), onRejected);
            }

            @Override
            public boolean checksHostName() {
                return enforcing.checksHostName();
            }

            @Override
            public String name() {
                return enforcing.name() + "-report-only";
            }
        };
    }
}
