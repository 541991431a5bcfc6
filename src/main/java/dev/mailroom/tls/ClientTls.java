package dev.mailroom.tls;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/** Client-side TLS for the outbound relay client (STARTTLS to a smarthost or MX, or implicit TLS on 465). */
public final class ClientTls {
    private ClientTls() {
    }

    /**
     * A factory that trusts the system trust store plus, optionally, the CA certificates in a PEM file (for a
     * smarthost with a private CA). It does not check host names by itself: {@link #wrapClient} does when asked.
     *
     * @throws IllegalArgumentException wrapping a {@link TlsConfigException} ("file: reason") if the extra PEM
     *                                  file cannot be used
     */
    public static SSLSocketFactory verifying(Optional<Path> extraTrustedCaPem) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {pkixTrustManager(extraTrustedCaPem)}, null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build TLS client context: " + e.getMessage(), e);
        }
    }

    /**
     * The JDK's PKIX trust manager over the system trust store plus, optionally, the CA certificates in a PEM file.
     * It checks the host name too when the socket's parameters name an endpoint identification algorithm.
     *
     * @throws IllegalArgumentException wrapping a {@link TlsConfigException} ("file: reason") if the extra PEM
     *                                  file cannot be used
     */
    public static X509ExtendedTrustManager pkixTrustManager(Optional<Path> extraTrustedCaPem) {
        try {
            TrustManager[] trust;
            if (extraTrustedCaPem.isPresent()) {
                trust = withExtraCas(extraTrustedCaPem.get());
            } else {
                TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                system.init((KeyStore) null);
                trust = system.getTrustManagers();
            }
            for (TrustManager tm : trust) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager");
        } catch (TlsConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build TLS trust manager: " + e.getMessage(), e);
        }
    }

    /**
     * One PKIX trust manager over a store holding the system anchors and the extra ones. A single standard trust
     * manager, rather than a chain of two, keeps the JDK's own endpoint identification (hostname check) intact.
     */
    private static TrustManager[] withExtraCas(Path pem)
            throws TlsConfigException, GeneralSecurityException, IOException {
        List<X509Certificate> extra = PemFiles.readCertificates(pem);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        int i = 0;
        for (TrustManager tm : system.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate anchor : x.getAcceptedIssuers()) {
                    store.setCertificateEntry("system-" + i++, anchor);
                }
            }
        }
        for (X509Certificate ca : extra) {
            store.setCertificateEntry("extra-" + i++, ca);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    /**
     * Client-mode TLS over a connected socket, handshake done on return. SNI is sent only when {@code host} is a
     * DNS name (RFC 6066 forbids IP literals in SNI). With {@code verifyHostname} the certificate must name
     * {@code host} (RFC 6125 rules as for HTTPS, which is what RFC 7817 asks of mail). On a failed handshake the
     * socket, and with it {@code plain}, is closed: the SMTP session cannot continue after a broken handshake.
     */
    public static SSLSocket wrapClient(SSLSocketFactory f, Socket plain, String host, int port,
                                       boolean verifyHostname) throws IOException {
        String name = normalizeHost(host);
        SSLSocket s = (SSLSocket) f.createSocket(plain, name, port, true);
        try {
            s.setUseClientMode(true);
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(ServerTls.PROTOCOLS.clone());
            p.setServerNames(isDnsName(name) ? List.of(new SNIHostName(name)) : List.of());
            if (verifyHostname) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
            s.setSSLParameters(p);
            s.startHandshake();
            return s;
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Trusts any certificate and checks no host name. Only for opportunistic TLS (RFC 7435) to a peer that is not
     * authenticated anyway, such as a smarthost with a self-signed certificate: it still protects against passive
     * eavesdropping, not against an active attacker. Never use it where TLS is required by policy.
     */
    public static SSLSocketFactory insecure() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAnything()}, null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build TLS client context: " + e.getMessage(), e);
        }
    }

    static String normalizeHost(String host) {
        String h = host.strip();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        // A fully qualified "mx.example." must match a certificate for "mx.example" and SNI forbids the dot.
        if (h.endsWith(".") && h.length() > 1) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    static boolean isDnsName(String host) {
        if (host.isEmpty() || SelfSigned.isIpLiteral(host)) {
            return false;
        }
        try {
            new SNIHostName(host);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Must extend X509ExtendedTrustManager: the JDK wraps a plain X509TrustManager and then performs the
     * hostname check itself, which would defeat the purpose of this manager.
     */
    private static final class TrustAnything extends X509ExtendedTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        // This factory is for clients; it has no reason to accept client certificates.
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not accepted by this trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
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
}
