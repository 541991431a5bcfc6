package dev.mailroom.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Consumer;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Asks another trust manager and reports its refusal instead of failing the handshake: for policies in a testing
 * mode, where the failure is only recorded for TLS reporting (RFC 8461 section 5, RFC 8460).
 */
final class ReportingTrustManager extends ServerSocketTrustManager {
    private final X509ExtendedTrustManager judge;
    private final Consumer<CertificateRejectedException> onRejected;

    ReportingTrustManager(X509ExtendedTrustManager judge, Consumer<CertificateRejectedException> onRejected) {
        this.judge = judge;
        this.onRejected = onRejected;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        try {
            judge.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            onRejected.accept(e instanceof CertificateRejectedException r ? r
                    : new CertificateRejectedException(CertificateRejectedException.Reason.INVALID, e.getMessage(), e));
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return judge.getAcceptedIssuers();
    }
}
