package dev.mailroom.it;

import static dev.mailroom.it.MailroomFixture.ALICE;
import static dev.mailroom.it.MailroomFixture.ALICE_PASSWORD;
import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SMTP AUTH (RFC 4954) over the wire. This class makes exactly two failed attempts (AUTH-13) so the per-IP
 * throttle of its own server never blocks it; the per-connection limit (AUTH-21) is in {@link AuthFailureLimitTest}.
 */
class AuthProtocolTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    private static SmtpTestClient secure() throws Exception {
        return SmtpTestClient.connect(mr.submission()).startSecure("client.example.com");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void AUTH_03_AUTH_04_plainWithInitialResponseOnBothPorts() throws Exception {
        try (SmtpTestClient c = secure()) {
            expect(c.authPlain(ALICE, ALICE_PASSWORD), 235, "2.7.0");
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
        }
        try (SmtpTestClient c = SmtpTestClient.connectTls(mr.submissions())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            expect(c.authPlain(ALICE, ALICE_PASSWORD), 235, "2.7.0");
        }
    }

    @Test
    void AUTH_08_plainWithoutInitialResponseGetsExactly334Space() throws Exception {
        try (SmtpTestClient c = secure()) {
            c.write("AUTH PLAIN\r\n");
            assertThat(c.readLine()).isEqualTo("334 ");
            expect(c.cmd(b64("\0" + ALICE + "\0" + ALICE_PASSWORD)), 235, "2.7.0");
        }
    }

    @Test
    void AUTH_10_emptyInitialResponseIsEquals() throws Exception {
        try (SmtpTestClient c = secure()) {
            // "=" is an empty initial response: PLAIN with no data then asks again, or fails; never a success
            c.write("AUTH PLAIN =\r\n");
            String line = c.readLine();
            assertThat(line).matches("334 |535 5\\.7\\.8.*");
            if (line.equals("334 ")) {
                expect(c.cmd("*"), 501, "5.0.0");
            }
        }
    }

    @Test
    void SASL_05_loginFlow() throws Exception {
        try (SmtpTestClient c = secure()) {
            c.write("AUTH LOGIN\r\n");
            assertThat(c.readLine()).isEqualTo("334 VXNlcm5hbWU6");
            c.write(b64(ALICE) + "\r\n");
            assertThat(c.readLine()).isEqualTo("334 UGFzc3dvcmQ6");
            expect(c.cmd(b64(ALICE_PASSWORD)), 235, "2.7.0");
        }
    }

    @Test
    void SASL_06_scramSha256() throws Exception {
        try (SmtpTestClient c = secure()) {
            String clientNonce = Base64.getEncoder().encodeToString(SecureRandom.getSeed(18));
            String clientFirstBare = "n=" + ALICE + ",r=" + clientNonce;
            SmtpTestClient.Reply first = SmtpTestClient.expect(c.cmd("AUTH SCRAM-SHA-256 " + b64("n,," + clientFirstBare)), 334);
            String serverFirst = new String(Base64.getDecoder().decode(first.first()), StandardCharsets.UTF_8);
            Map<String, String> attrs = new HashMap<>();
            for (String kv : serverFirst.split(",")) {
                attrs.put(kv.substring(0, 1), kv.substring(2));
            }
            assertThat(attrs.get("r")).startsWith(clientNonce);
            byte[] salt = Base64.getDecoder().decode(attrs.get("s"));
            int iterations = Integer.parseInt(attrs.get("i"));
            assertThat(iterations).isGreaterThanOrEqualTo(4096);

            byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(ALICE_PASSWORD.toCharArray(), salt, iterations, 256)).getEncoded();
            byte[] clientKey = hmac(salted, "Client Key");
            byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
            String withoutProof = "c=biws,r=" + attrs.get("r");
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            byte[] signature = hmac(storedKey, authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) {
                proof[i] = (byte) (clientKey[i] ^ signature[i]);
            }
            String clientFinal = withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
            SmtpTestClient.Reply fin = SmtpTestClient.expect(c.cmd(b64(clientFinal)), 334);
            String serverFinal = new String(Base64.getDecoder().decode(fin.first()), StandardCharsets.UTF_8);
            byte[] serverSignature = hmac(hmac(salted, "Server Key"), authMessage);
            assertThat(serverFinal).isEqualTo("v=" + Base64.getEncoder().encodeToString(serverSignature));
            expect(c.cmd(""), 235, "2.7.0");
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
        }
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void AUTH_05_secondAuthIs503() throws Exception {
        try (SmtpTestClient c = secure()) {
            expect(c.authPlain(ALICE, ALICE_PASSWORD), 235, "2.7.0");
            expect(c.authPlain(ALICE, ALICE_PASSWORD), 503, "5.5.1");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void AUTH_06_authDuringATransactionIs503() throws Exception {
        // the postmaster listener lets MAIL through without AUTH (MSA-19), so a transaction can be open
        try (SmtpTestClient c = SmtpTestClient.connect(mr.postmaster()).startSecure("client.example.com")) {
            expect(c.cmd("MAIL FROM:<x@remote.example>"), 250, "2.1.0");
            expect(c.authPlain(ALICE, ALICE_PASSWORD), 503, "5.5.1");
            expect(c.cmd("RSET"), 250, "2.0.0");
            expect(c.authPlain(ALICE, ALICE_PASSWORD), 235, "2.7.0");
        }
    }

    @Test
    void AUTH_07_unknownMechanismIs504() throws Exception {
        try (SmtpTestClient c = secure()) {
            expect(c.cmd("AUTH FOO"), 504, "5.5.4");
            expect(c.cmd("AUTH"), 501, "5.5.4");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void AUTH_09_starCancels() throws Exception {
        try (SmtpTestClient c = secure()) {
            c.write("AUTH PLAIN\r\n");
            assertThat(c.readLine()).isEqualTo("334 ");
            expect(c.cmd("*"), 501, "5.0.0");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.authPlain(ALICE, ALICE_PASSWORD), 235, "2.7.0");
        }
    }

    @Test
    void AUTH_11_badBase64Is501_5_5_2() throws Exception {
        try (SmtpTestClient c = secure()) {
            c.write("AUTH PLAIN\r\n");
            assertThat(c.readLine()).isEqualTo("334 ");
            expect(c.cmd("AAA=BBB"), 501, "5.5.2");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("AUTH PLAIN A*B="), 501, "5.5.2");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.authPlain(ALICE, ALICE_PASSWORD), 235, "2.7.0");
        }
    }

    @Test
    void AUTH_12_overlongResponseIs500_5_5_6() throws Exception {
        try (SmtpTestClient c = secure()) {
            c.write("AUTH PLAIN\r\n");
            assertThat(c.readLine()).isEqualTo("334 ");
            expect(c.cmd("A".repeat(20000)), 500, "5.5.6");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void AUTH_13_unknownUserAndWrongPasswordGiveIdenticalReplies() throws Exception {
        String unknown;
        String wrong;
        try (SmtpTestClient c = secure()) {
            unknown = expect(c.authPlain("nobody@example.com", "whatever"), 535, "5.7.8").toString();
        }
        try (SmtpTestClient c = secure()) {
            wrong = expect(c.authPlain(ALICE, "not-the-password"), 535, "5.7.8").toString();
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
        assertThat(unknown).isEqualTo(wrong);
    }

    @Test
    void AUTH_17_pipelinedPlainWithInitialResponseAndMail() throws Exception {
        try (SmtpTestClient c = secure()) {
            c.write("AUTH PLAIN " + b64("\0" + ALICE + "\0" + ALICE_PASSWORD) + "\r\nMAIL FROM:<alice@example.com>\r\n");
            expect(c.read(), 235, "2.7.0");
            expect(c.read(), 250, "2.1.0");
        }
    }

    @Test
    void MSA_10_mailBeforeAuthIs530() throws Exception {
        try (SmtpTestClient c = secure()) {
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 530, "5.7.0");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void DATA_01_bareLfInAnAuthResponseIs550AndCloses() throws Exception {
        try (SmtpTestClient c = secure()) {
            c.write("AUTH PLAIN\r\n");
            assertThat(c.readLine()).isEqualTo("334 ");
            c.write("AAAA\nNOOP\r\n");
            expect(c.read(), 550, "5.5.2");
            assertThat(c.isClosedByServer()).isTrue();
        }
    }
}
