package dev.mailroom.tls;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Certificate renewal without restart: the files are replaced, new handshakes get the new certificate. */
class ReloadTest {
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private Path certFile;
    private Path keyFile;
    private X509Certificate oldCert;
    private ServerTls tls;

    @BeforeEach
    void setUp() throws Exception {
        KeyPair pair = TestPki.ec();
        oldCert = TestPki.selfSigned(pair, "old.example.test", "localhost");
        var files = TestPki.writePair(dir, pair, oldCert);
        certFile = files.get(0);
        keyFile = files.get(1);
        tls = ServerTls.fromPem(certFile, keyFile, INTERVAL, nanos::get);
    }

    private X509Certificate replaceWithNewPair() throws Exception {
        KeyPair pair = TestPki.ec();
        X509Certificate cert = TestPki.selfSigned(pair, "new.example.test", "localhost");
        // Key first, then certificate: the in-between state is a mismatch, as with many renewal tools.
        TestPki.replace(keyFile, TestPki.pkcs8(pair.getPrivate()));
        TestPki.replace(certFile, TestPki.pem(cert));
        return cert;
    }

    private X509Certificate served() throws Exception {
        try (Loopback server = new Loopback(tls);
             SSLSocket s = ClientTls.wrapClient(ClientTls.insecure(), server.connectPlain(), "localhost",
                     server.port(), false)) {
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void changedFilesAreServedAfterTheCheckInterval() throws Exception {
        assertThat(served()).isEqualTo(oldCert);
        X509Certificate newCert = replaceWithNewPair();

        nanos.addAndGet(INTERVAL.toNanos() - 1);
        assertThat(tls.certificate()).as("not checked again before the interval").isEqualTo(oldCert);
        assertThat(served()).isEqualTo(oldCert);

        nanos.addAndGet(1);
        assertThat(served()).isEqualTo(newCert);
        assertThat(tls.certificate()).isEqualTo(newCert);
    }

    @Test
    void reloadNowPicksUpFilesImmediately() throws Exception {
        X509Certificate newCert = replaceWithNewPair();
        tls.reloadNow();
        assertThat(tls.certificate()).isEqualTo(newCert);
        assertThat(served()).isEqualTo(newCert);
    }

    @Test
    void aBrokenNewFileKeepsTheOldCertificate() throws Exception {
        TestPki.replace(certFile, "-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n");
        nanos.addAndGet(INTERVAL.toNanos());
        assertThat(tls.certificate()).isEqualTo(oldCert);
        assertThat(served()).isEqualTo(oldCert);

        assertThatThrownBy(tls::reloadNow).isInstanceOf(TlsConfigException.class)
                .hasMessageStartingWith(certFile + ": ");
        assertThat(served()).isEqualTo(oldCert);
    }

    @Test
    void aHalfDoneRenewalIsRetriedOnceTheSecondFileArrives() throws Exception {
        KeyPair pair = TestPki.ec();
        X509Certificate newCert = TestPki.selfSigned(pair, "new.example.test", "localhost");
        TestPki.replace(keyFile, TestPki.pkcs8(pair.getPrivate()));   // key replaced, certificate not yet
        nanos.addAndGet(INTERVAL.toNanos());
        assertThat(tls.certificate()).as("mismatch: keep the old pair").isEqualTo(oldCert);
        assertThat(served()).isEqualTo(oldCert);

        TestPki.replace(certFile, TestPki.pem(newCert));
        nanos.addAndGet(INTERVAL.toNanos());
        assertThat(tls.certificate()).isEqualTo(newCert);
        assertThat(served()).isEqualTo(newCert);
    }

    @Test
    void unchangedFilesAreNotReloaded() throws Exception {
        var before = tls.context();
        nanos.addAndGet(INTERVAL.toNanos() * 3);
        assertThat(tls.context()).isSameAs(before);
    }
}
