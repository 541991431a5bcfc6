package dev.mailroom.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.net.ssl.SSLSession;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * TLS-13: TLS 1.0 and 1.1 are refused (RFC 8996), TLS 1.2 and 1.3 accepted. The JDK client refuses to even offer
 * TLS 1.1 while jdk.tls.disabledAlgorithms lists it, and changing that security property would leak into tests
 * running in parallel, so the old-client side is played by a hand-built ClientHello and by openssl s_client.
 */
class ProtocolVersionTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"TLSv1.0, 1", "TLSv1.1, 2"})
    void oldProtocolHelloGetsAFatalAlert(String name, int minor) throws Exception {
        ServerTls tls = ServerTls.selfSigned(dir, "mx.example.test");
        try (Loopback server = new Loopback(tls); Socket s = server.connectPlain()) {
            s.getOutputStream().write(clientHello(minor));
            s.getOutputStream().flush();

            DataInputStream in = new DataInputStream(s.getInputStream());
            int contentType = in.readUnsignedByte();
            in.readUnsignedShort();                      // record version
            int length = in.readUnsignedShort();
            assertThat(contentType).as("record type: alert, not a ServerHello").isEqualTo(21);
            assertThat(length).isEqualTo(2);
            assertThat(in.readUnsignedByte()).as("alert level: fatal").isEqualTo(2);
            int description = in.readUnsignedByte();
            // protocol_version (70) is what RFC 8446 appendix D asks for; handshake_failure (40) would also do.
            assertThat(description).isIn(70, 40);
            // The server hangs up after the alert.
            assertThat(readsToEof(in)).isTrue();
            assertThat(server.nextOutcome()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void opensslTls11IsRefusedWhileTls12And13Succeed() throws Exception {
        assumeTrue(PemLoadingTest.Openssl.available(), "openssl not installed");
        ServerTls tls = ServerTls.selfSigned(dir, "mx.example.test");
        try (Loopback server = new Loopback(tls)) {
            for (String version : new String[] {"1.2", "1.3"}) {
                SClient r = sClient(server.port(), "-tls1_" + version.charAt(2));
                assertThat(r.exit).as("s_client -tls1_%s: %s", version, r.output).isZero();
                assertThat(r.output).contains("New, TLSv" + version + ", Cipher is ");
                assertThat(server.nextOutcome()).isInstanceOf(SSLSession.class);
            }

            // OpenSSL's own default policy (security level, MinProtocol) may forbid TLS 1.1 before anything is
            // sent; SECLEVEL=0 lifts that so the refusal we observe is the server's, proven by the server-side
            // handshake failure below.
            SClient old = sClient(server.port(), "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0");
            assertThat(old.exit).as("s_client -tls1_1: %s", old.output).isNotZero();
            assertThat(old.output).doesNotContain("New, TLSv");
            assertThat(server.nextOutcome()).isInstanceOf(IOException.class);
        }
    }

    private record SClient(int exit, String output) {
    }

    private SClient sClient(int port, String... options) throws Exception {
        var cmd = new java.util.ArrayList<String>(java.util.List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + port, "-servername", "localhost"));
        cmd.addAll(java.util.List.of(options));
        Path empty = Files.createTempFile(dir, "stdin", ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(empty.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new SClient(p.exitValue(), out);
    }

    private static boolean readsToEof(DataInputStream in) throws IOException {
        try {
            while (in.read() >= 0) {
                // drain
            }
            return true;
        } catch (EOFException e) {
            return true;
        }
    }

    /**
     * A ClientHello as a TLS 1.0/1.1 client sends it: legacy version 3.minor, no supported_versions extension,
     * ECDHE CBC suites (which the server does support under TLS 1.2), P-256 and X25519.
     */
    static byte[] clientHello(int minor) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(3);
        body.write(minor);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0);                                         // session id: none
        int[] suites = {0xC013, 0xC014, 0xC009, 0xC00A};       // ECDHE_{RSA,ECDSA}_WITH_AES_{128,256}_CBC_SHA
        u16(body, suites.length * 2);
        for (int s : suites) {
            u16(body, s);
        }
        body.write(1);                                         // compression methods: null only
        body.write(0);
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        u16(ext, 0x000a);                                      // supported_groups
        u16(ext, 6);
        u16(ext, 4);
        u16(ext, 0x0017);                                      // secp256r1
        u16(ext, 0x001d);                                      // x25519
        u16(ext, 0x000b);                                      // ec_point_formats
        u16(ext, 2);
        ext.write(1);
        ext.write(0);                                          // uncompressed
        u16(body, ext.size());
        body.writeBytes(ext.toByteArray());

        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(22);                                      // handshake
        record.write(3);
        record.write(1);                                       // record version as old clients send it
        u16(record, body.size() + 4);
        record.write(1);                                       // client_hello
        record.write(0);
        u16(record, body.size());
        record.writeBytes(body.toByteArray());
        return record.toByteArray();
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v & 0xff);
    }
}
