package dev.mailroom.tls;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real handshakes over loopback between {@link ServerTls#wrapAccepted} and {@link ClientTls}. */
class HandshakeTest {
    @TempDir
    Path dir;
    private ServerTls tls;
    private Path certPem;

    @BeforeEach
    void setUp() throws Exception {
        tls = ServerTls.selfSigned(dir, "mx.example.test");
        certPem = dir.resolve("cert.pem");
    }

    private static String greeting(SSLSocket s) throws Exception {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    private static SSLSession serverSession(Loopback server) throws Exception {
        Object outcome = server.nextOutcome();
        assertThat(outcome).isInstanceOf(SSLSession.class);
        return (SSLSession) outcome;
    }

    @Test
    void verifiedHandshakeForLocalhostNegotiatesTls13() throws Exception {
        try (Loopback server = new Loopback(tls)) {
            SSLSocketFactory f = ClientTls.verifying(Optional.of(certPem));
            try (SSLSocket s = ClientTls.wrapClient(f, server.connectPlain(), "localhost", server.port(), true)) {
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
                assertThat(s.getSession().getPeerCertificates()[0]).isEqualTo(tls.certificate());
                assertThat(greeting(s) + "\r\n").isEqualTo(Loopback.GREETING);
                assertThat(TlsInfo.describe(s.getSession())).matches("TLSv1\\.3 TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)");
            }
            SSLSession seen = serverSession(server);
            assertThat(((ExtendedSSLSession) seen).getRequestedServerNames())
                    .containsExactly(new SNIHostName("localhost"));
            assertThat(TlsInfo.describe(seen)).startsWith("TLSv1.3 TLS_");
        }
    }

    @Test
    void hostnameCheckAcceptsTheIpAddressInTheCertificate() throws Exception {
        try (Loopback server = new Loopback(tls)) {
            SSLSocketFactory f = ClientTls.verifying(Optional.of(certPem));
            try (SSLSocket s = ClientTls.wrapClient(f, server.connectPlain(), "127.0.0.1", server.port(), true)) {
                assertThat(greeting(s) + "\r\n").isEqualTo(Loopback.GREETING);
            }
            // No SNI for an IP literal (RFC 6066 section 3), and the server copes (TLS-15).
            assertThat(((ExtendedSSLSession) serverSession(server)).getRequestedServerNames()).isEmpty();
        }
    }

    @Test
    void hostnameCheckRejectsANameTheCertificateLacks() throws Exception {
        try (Loopback server = new Loopback(tls)) {
            SSLSocketFactory f = ClientTls.verifying(Optional.of(certPem));
            Socket plain = server.connectPlain();
            assertThatThrownBy(() -> ClientTls.wrapClient(f, plain, "other.example.test", server.port(), true))
                    .isInstanceOf(SSLHandshakeException.class);
            assertThat(plain.isClosed()).isTrue();
        }
    }

    @Test
    void withoutHostnameCheckAnyNameIsAcceptedOnceTheChainIsTrusted() throws Exception {
        try (Loopback server = new Loopback(tls)) {
            SSLSocketFactory f = ClientTls.verifying(Optional.of(certPem));
            try (SSLSocket s = ClientTls.wrapClient(f, server.connectPlain(), "other.example.test", server.port(),
                    false)) {
                assertThat(greeting(s) + "\r\n").isEqualTo(Loopback.GREETING);
            }
        }
    }

    @Test
    void systemTrustAloneRejectsTheSelfSignedCertificate() throws Exception {
        try (Loopback server = new Loopback(tls)) {
            SSLSocketFactory f = ClientTls.verifying(Optional.empty());
            assertThatThrownBy(() -> ClientTls.wrapClient(f, server.connectPlain(), "localhost", server.port(), false))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void insecureClientAcceptsTheSelfSignedCertificateEvenWithHostnameCheckRequested() throws Exception {
        try (Loopback server = new Loopback(tls)) {
            try (SSLSocket s = ClientTls.wrapClient(ClientTls.insecure(), server.connectPlain(), "smarthost.test",
                    server.port(), true)) {
                assertThat(greeting(s) + "\r\n").isEqualTo(Loopback.GREETING);
            }
        }
    }

    @Test
    void noSniSucceeds() throws Exception {
        try (Loopback server = new Loopback(tls)) {
            SSLSocket s = (SSLSocket) ClientTls.insecure().createSocket(server.connectPlain(), "localhost",
                    server.port(), true);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(java.util.List.of()); // suppress the SNI the JDK would derive from "localhost"
            s.setSSLParameters(p);
            try (s) {
                s.startHandshake();
                assertThat(s.getSession().getPeerCertificates()[0]).isEqualTo(tls.certificate());
            }
            assertThat(((ExtendedSSLSession) serverSession(server)).getRequestedServerNames()).isEmpty();
        }
    }

    @Test
    void bogusSniGetsTheFallbackCertificate() throws Exception {
        try (Loopback server = new Loopback(tls)) {
            try (SSLSocket s = ClientTls.wrapClient(ClientTls.insecure(), server.connectPlain(), "bogus.invalid",
                    server.port(), false)) {
                assertThat(s.getSession().getPeerCertificates()[0]).isEqualTo(tls.certificate());
            }
            assertThat(((ExtendedSSLSession) serverSession(server)).getRequestedServerNames())
                    .containsExactly(new SNIHostName("bogus.invalid"));
        }
    }

    @Test
    void tls12ClientGetsAForwardSecretSuite() throws Exception {
        KeyPair rsa = TestPki.rsa();
        X509Certificate cert = TestPki.selfSigned(rsa, "mx.example.test");
        Path rsaDir = dir.resolve("rsa");
        java.nio.file.Files.createDirectories(rsaDir);
        var files = TestPki.writePair(rsaDir, rsa, cert);
        ServerTls rsaTls = ServerTls.fromPem(files.get(0), files.get(1));

        for (ServerTls server : new ServerTls[] {tls, rsaTls}) {
            try (Loopback loopback = new Loopback(server)) {
                SSLSocket s = (SSLSocket) ClientTls.insecure().createSocket(loopback.connectPlain(), "localhost",
                        loopback.port(), true);
                s.setEnabledProtocols(new String[] {"TLSv1.2"});
                try (s) {
                    s.startHandshake();
                    assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
                    assertThat(s.getSession().getCipherSuite()).matches("TLS_(ECDHE|DHE)_.*");
                    assertThat(TlsInfo.describe(s.getSession())).startsWith("TLSv1.2 TLS_ECDHE_");
                }
                assertThat(serverSession(loopback).getProtocol()).isEqualTo("TLSv1.2");
            }
        }
    }

    @Test
    void chainSignedByAPrivateCaIsVerifiedWithTheExtraCaFile() throws Exception {
        KeyPair caKeys = TestPki.ec();
        X509Certificate ca = TestPki.ca(caKeys, "Private Relay CA");
        KeyPair leafKeys = TestPki.ec();
        X509Certificate leaf = TestPki.leafSignedBy(leafKeys, ca, caKeys.getPrivate(), "smarthost.example.test");
        Path chainDir = dir.resolve("chain");
        java.nio.file.Files.createDirectories(chainDir);
        var files = TestPki.writePair(chainDir, leafKeys, leaf, ca);
        Path caPem = TestPki.write(chainDir.resolve("ca.pem"), TestPki.pem(ca));

        try (Loopback server = new Loopback(ServerTls.fromPem(files.get(0), files.get(1)))) {
            SSLSocketFactory f = ClientTls.verifying(Optional.of(caPem));
            try (SSLSocket s = ClientTls.wrapClient(f, server.connectPlain(), "smarthost.example.test.",
                    server.port(), true)) {
                assertThat(s.getSession().getPeerCertificates()).containsExactly(leaf, ca);
            }
        }
    }

    @Test
    void serverOffersOnlyTls12And13WithForwardSecretSuites() {
        SSLParameters p = tls.serverParameters();
        assertThat(p.getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(p.getCipherSuites()).allMatch(ServerTls::isForwardSecret)
                .noneMatch(c -> c.startsWith("TLS_RSA_"))
                .contains("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        assertThat(p.getUseCipherSuitesOrder()).isTrue();
        assertThat(ServerTls.isForwardSecret("TLS_RSA_WITH_AES_128_GCM_SHA256")).isFalse();
        assertThat(ServerTls.isForwardSecret("TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256")).isFalse();
        assertThat(ServerTls.isForwardSecret("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")).isTrue();
    }

    @Test
    void wrappedServerSocketHasTheRestrictedParametersAndClosesThePlainSocket() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
             Socket accepted = listener.accept()) {
            SSLSocket wrapped = tls.wrapAccepted(accepted);
            assertThat(client.isConnected()).isTrue();
            assertThat(wrapped.getUseClientMode()).isFalse();
            assertThat(wrapped.getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
            assertThat(Arrays.asList(wrapped.getEnabledCipherSuites())).allMatch(ServerTls::isForwardSecret);
            wrapped.close();
            assertThat(accepted.isClosed()).isTrue();
        }
    }

    @Test
    void unreadableExtraCaFileIsReportedByName() throws Exception {
        Path bad = TestPki.write(dir.resolve("ca.pem"), "garbage");
        assertThatThrownBy(() -> ClientTls.verifying(Optional.of(bad)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(bad + ": ")
                .hasCauseInstanceOf(TlsConfigException.class);
    }

    @Test
    void describeWithoutSession() {
        assertThat(TlsInfo.describe(null)).isEqualTo("none");
    }
}
