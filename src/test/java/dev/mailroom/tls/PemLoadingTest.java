package dev.mailroom.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PemLoadingTest {
    @TempDir
    Path dir;

    private Path cert(X509Certificate... chain) throws Exception {
        return TestPki.write(dir.resolve("cert.pem"), TestPki.pem((Object[]) chain));
    }

    private Path key(String pem) throws Exception {
        return TestPki.write(dir.resolve("key.pem"), pem);
    }

    @Test
    void loadsPkcs8RsaKey() throws Exception {
        KeyPair pair = TestPki.rsa();
        X509Certificate c = TestPki.selfSigned(pair, "mx.example.test");
        String pem = TestPki.pkcs8(pair.getPrivate());
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");

        assertThat(ServerTls.fromPem(cert(c), key(pem)).certificate()).isEqualTo(c);
    }

    @Test
    void loadsPkcs1RsaKey() throws Exception {
        KeyPair pair = TestPki.rsa();
        X509Certificate c = TestPki.selfSigned(pair, "mx.example.test");
        String pem = TestPki.traditional(pair);
        assertThat(pem).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        assertThat(ServerTls.fromPem(cert(c), key(pem)).certificate()).isEqualTo(c);
    }

    @Test
    void loadsSec1EcKey() throws Exception {
        KeyPair pair = TestPki.ec();
        X509Certificate c = TestPki.selfSigned(pair, "mx.example.test");
        String pem = TestPki.traditional(pair);
        assertThat(pem).startsWith("-----BEGIN EC PRIVATE KEY-----");

        assertThat(ServerTls.fromPem(cert(c), key(pem)).certificate()).isEqualTo(c);
    }

    @Test
    void loadsPkcs8EcKey() throws Exception {
        KeyPair pair = TestPki.ec();
        X509Certificate c = TestPki.selfSigned(pair, "mx.example.test");
        assertThat(ServerTls.fromPem(cert(c), key(TestPki.pkcs8(pair.getPrivate()))).certificate()).isEqualTo(c);
    }

    @Test
    void loadsKeysMadeByOpenssl() throws Exception {
        assumeTrue(Openssl.available(), "openssl not installed");
        // "openssl ecparam -genkey" puts an EC PARAMETERS block before the key; genrsa -traditional is PKCS#1.
        Path ec = dir.resolve("ec.pem");
        Openssl.run("ecparam", "-name", "prime256v1", "-genkey", "-out", ec.toString());
        assertThat(Files.readString(ec)).contains("BEGIN EC PARAMETERS").contains("BEGIN EC PRIVATE KEY");
        Path ecCert = dir.resolve("ec-cert.pem");
        Openssl.run("req", "-new", "-x509", "-key", ec.toString(), "-subj", "/CN=mx.example.test", "-days", "2",
                "-out", ecCert.toString());
        assertThat(ServerTls.fromPem(ecCert, ec).certificate().getSubjectX500Principal().getName())
                .isEqualTo("CN=mx.example.test");

        Path rsa = dir.resolve("rsa.pem");
        Openssl.run("genrsa", "-traditional", "-out", rsa.toString(), "2048");
        assertThat(Files.readString(rsa)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        Path rsaCert = dir.resolve("rsa-cert.pem");
        Openssl.run("req", "-new", "-x509", "-key", rsa.toString(), "-subj", "/CN=mx.example.test", "-days", "2",
                "-out", rsaCert.toString());
        assertThat(ServerTls.fromPem(rsaCert, rsa).certificate().getPublicKey().getAlgorithm()).isEqualTo("RSA");
    }

    @Test
    void loadsChainLeafFirst() throws Exception {
        KeyPair caKeys = TestPki.ec();
        X509Certificate ca = TestPki.ca(caKeys, "Test CA");
        KeyPair leafKeys = TestPki.ec();
        X509Certificate leaf = TestPki.leafSignedBy(leafKeys, ca, caKeys.getPrivate(), "mx.example.test");

        ServerTls tls = ServerTls.fromPem(cert(leaf, ca), key(TestPki.pkcs8(leafKeys.getPrivate())));
        assertThat(tls.certificate()).isEqualTo(leaf);
    }

    @Test
    void keyNotMatchingCertificateNamesTheKeyFile() throws Exception {
        X509Certificate c = TestPki.selfSigned(TestPki.ec(), "mx.example.test");
        Path cert = cert(c);
        Path key = key(TestPki.pkcs8(TestPki.ec().getPrivate()));

        assertThatThrownBy(() -> ServerTls.fromPem(cert, key))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageStartingWith(key + ": ")
                .hasMessageContaining("does not match");
    }

    @Test
    void keyOfAnotherTypeThanTheCertificateIsAMismatch() throws Exception {
        X509Certificate c = TestPki.selfSigned(TestPki.ec(), "mx.example.test");
        Path cert = cert(c);
        Path key = key(TestPki.pkcs8(TestPki.rsa().getPrivate()));

        assertThatThrownBy(() -> ServerTls.fromPem(cert, key))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageStartingWith(key + ": ")
                .hasMessageContaining("does not match");
    }

    @Test
    void garbageCertificateFileIsRejectedByName() throws Exception {
        KeyPair pair = TestPki.ec();
        Path cert = TestPki.write(dir.resolve("cert.pem"), "this is not a certificate\n");
        Path key = key(TestPki.pkcs8(pair.getPrivate()));

        assertThatThrownBy(() -> ServerTls.fromPem(cert, key))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageStartingWith(cert + ": ")
                .hasMessageContaining("no PEM certificate");
    }

    @Test
    void corruptPemBodyIsRejectedByName() throws Exception {
        KeyPair pair = TestPki.ec();
        Path cert = TestPki.write(dir.resolve("cert.pem"),
                "-----BEGIN CERTIFICATE-----\nAAAAnotbase64@@@\n-----END CERTIFICATE-----\n");
        Path key = key(TestPki.pkcs8(pair.getPrivate()));

        assertThatThrownBy(() -> ServerTls.fromPem(cert, key))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageStartingWith(cert + ": ");
    }

    @Test
    void binaryGarbageKeyFileIsRejectedByName() throws Exception {
        Path cert = cert(TestPki.selfSigned(TestPki.ec(), "mx.example.test"));
        Path key = dir.resolve("key.pem");
        Files.write(key, new byte[] {(byte) 0x30, (byte) 0x82, (byte) 0xff, 0, (byte) 0xc3, (byte) 0x28});

        assertThatThrownBy(() -> ServerTls.fromPem(cert, key))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageStartingWith(key + ": ")
                .hasMessageContaining("no PEM private key");
    }

    @Test
    void missingFileIsNamed() throws Exception {
        Path cert = cert(TestPki.selfSigned(TestPki.ec(), "mx.example.test"));
        Path key = dir.resolve("absent.pem");

        assertThatThrownBy(() -> ServerTls.fromPem(cert, key))
                .isInstanceOf(TlsConfigException.class)
                .hasMessage(key + ": file not found");
    }

    @Test
    void encryptedTraditionalKeyIsRefusedClearly() throws Exception {
        KeyPair pair = TestPki.rsa();
        Path cert = cert(TestPki.selfSigned(pair, "mx.example.test"));
        Path key = key(TestPki.encryptedTraditional());
        assertThat(Files.readString(key)).contains("ENCRYPTED");

        assertThatThrownBy(() -> ServerTls.fromPem(cert, key))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageStartingWith(key + ": encrypted private keys are not supported");
    }

    @Test
    void encryptedPkcs8KeyIsRefusedClearly() throws Exception {
        assumeTrue(Openssl.available(), "openssl not installed");
        Path plain = dir.resolve("plain.pem");
        Openssl.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", plain.toString());
        Path cert = dir.resolve("cert.pem");
        Openssl.run("req", "-new", "-x509", "-key", plain.toString(), "-subj", "/CN=mx.example.test", "-days", "2",
                "-out", cert.toString());
        Path key = dir.resolve("key.pem");
        Openssl.run("pkcs8", "-topk8", "-in", plain.toString(), "-out", key.toString(), "-passout", "pass:secret");
        assertThat(Files.readString(key)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");

        assertThatThrownBy(() -> ServerTls.fromPem(cert, key))
                .isInstanceOf(TlsConfigException.class)
                .hasMessageStartingWith(key + ": encrypted private keys are not supported");
    }

    /** Runs the openssl command-line tool, only to produce inputs in the formats operators will have. */
    static final class Openssl {
        static boolean available() {
            try {
                return new ProcessBuilder("openssl", "version").redirectErrorStream(true).start()
                        .waitFor(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                return false;
            }
        }

        static void run(String... args) throws Exception {
            String[] cmd = new String[args.length + 1];
            cmd[0] = "openssl";
            System.arraycopy(args, 0, cmd, 1, args.length);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("openssl %s: %s", String.join(" ", args), out).isZero();
        }
    }
}
