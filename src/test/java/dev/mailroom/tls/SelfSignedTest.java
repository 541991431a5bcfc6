package dev.mailroom.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SelfSignedTest {
    @TempDir
    Path dir;

    @Test
    void generatesOnceThenReusesTheSameFiles() throws Exception {
        Path tlsDir = dir.resolve("tls");
        X509Certificate first = ServerTls.selfSigned(tlsDir, "mail.example.test").certificate();

        Path key = tlsDir.resolve("key.pem");
        Path cert = tlsDir.resolve("cert.pem");
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(cert)).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        // No temporary files left behind by the atomic writes.
        try (var files = Files.list(tlsDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("cert.pem", "key.pem");
        }

        byte[] keyBytes = Files.readAllBytes(key);
        X509Certificate second = ServerTls.selfSigned(tlsDir, "mail.example.test").certificate();
        assertThat(second).isEqualTo(first);
        assertThat(Files.readAllBytes(key)).isEqualTo(keyBytes);
    }

    @Test
    void certificateHasTheNamesUsageAndLifetimeClientsNeed() throws Exception {
        X509Certificate c = ServerTls.selfSigned(dir, "mail.example.test").certificate();

        assertThat(c.getVersion()).isEqualTo(3);
        assertThat(c.getSubjectX500Principal()).isEqualTo(c.getIssuerX500Principal());
        assertThat(c.getSubjectX500Principal().getName()).contains("CN=mail.example.test");
        assertThat(c.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(c.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "mail.example.test"), List.of(2, "localhost"), List.of(7, "127.0.0.1"));
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1"); // id-kp-serverAuth
        assertThat(c.getBasicConstraints()).isEqualTo(-1);                      // not a CA
        Duration validity = Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
        assertThat(validity).isBetween(Duration.ofDays(3650), Duration.ofDays(3654));
        c.checkValidity();
        c.verify(c.getPublicKey());
    }

    @Test
    void aLeftoverKeyWithoutCertificateIsRegenerated() throws Exception {
        Files.writeString(dir.resolve("key.pem"), "half-finished generation");
        X509Certificate c = ServerTls.selfSigned(dir, "mx.example.test").certificate();
        assertThat(c.getSubjectX500Principal().getName()).contains("mx.example.test");
    }

    @Test
    void aCertificateWithoutKeyIsNotOverwritten() throws Exception {
        Files.writeString(dir.resolve("cert.pem"), "operator's file");
        assertThatThrownBy(() -> ServerTls.selfSigned(dir, "mx.example.test"))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageStartingWith(dir.resolve("key.pem") + ": ");
        assertThat(Files.readString(dir.resolve("cert.pem"))).isEqualTo("operator's file");
    }
}
