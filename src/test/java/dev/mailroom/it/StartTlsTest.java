package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS (RFC 3207), implicit TLS (RFC 8314) and the EHLO profile of section 0.1. */
class StartTlsTest {
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

    /** The EHLO keywords (first word of every line after the greeting line), upper-case. */
    private static List<String> keywords(SmtpTestClient.Reply ehlo) {
        return ehlo.lines().subList(1, ehlo.lines().size()).stream()
                .map(l -> l.split(" ")[0].toUpperCase(Locale.ROOT)).toList();
    }

    private static void assertAfterTlsProfile(SmtpTestClient.Reply ehlo) {
        List<String> k = keywords(ehlo);
        assertThat(k).contains("AUTH", "PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "DSN", "SMTPUTF8", "CHUNKING");
        assertThat(k).doesNotContain("STARTTLS", "ETRN", "ATRN", "EXPN", "TURN");
        String auth = ehlo.lines().stream().filter(l -> l.toUpperCase(Locale.ROOT).startsWith("AUTH ")).findFirst().orElseThrow();
        assertThat(auth.split(" ")).contains("PLAIN", "SCRAM-SHA-256").doesNotContain("ANONYMOUS");
        assertThat(ehlo.lines().getFirst()).startsWith("mail.example.com");
    }

    @Test
    void MSA_21_AUTH_01_submissionEhloBeforeAndAfterStartTls() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.Reply before = SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            assertThat(keywords(before)).contains("STARTTLS", "PIPELINING", "ENHANCEDSTATUSCODES")
                    .doesNotContain("AUTH", "ETRN", "ATRN");
            expect(c.starttls(), 220, "2.0.0");
            assertThat(c.isTls()).isTrue();
            assertAfterTlsProfile(SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250));
        }
    }

    @Test
    void MSA_21_submissionsEhloInsideImplicitTls() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectTls(mr.submissions())) {
            SmtpTestClient.Reply greeting = SmtpTestClient.expect(c.read(), 220);
            assertThat(greeting.first()).startsWith("mail.example.com");
            assertAfterTlsProfile(SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250));
        }
    }

    @Test
    void TLS_01_plainListenerNeverOffersStartTls() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.Reply ehlo = SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            assertThat(keywords(ehlo)).doesNotContain("STARTTLS", "AUTH");
            expect(c.cmd("STARTTLS"), 502, "5.5.1");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void TLS_03_startTlsWithAnArgumentIs501() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            expect(c.cmd("STARTTLS x"), 501, "5.5.4");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.starttls(), 220, "2.0.0");
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
        }
    }

    @Test
    void TLS_08_afterTheHandshakeTheSessionStartsAnew() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            expect(c.starttls(), 220, "2.0.0");
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 503, "5.5.1");
            expect(c.authPlain(MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD), 503, "5.5.1");
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            expect(c.authPlain(MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD), 235, "2.7.0");
        }
    }

    @Test
    void TLS_09_startTlsInsideTlsIs503() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission()).startSecure("client.example.com")) {
            expect(c.cmd("STARTTLS"), 503, "5.5.1");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
        try (SmtpTestClient c = SmtpTestClient.connectTls(mr.submissions())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            expect(c.cmd("STARTTLS"), 503, "5.5.1");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void TLS_10_plaintextPipelinedAfterStartTlsIsDiscarded() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            c.write("STARTTLS\r\nNOOP\r\n"); // one write: the NOOP is an injection attempt
            expect(c.read(), 220, "2.0.0");
            c.upgrade();
            SmtpTestClient.Reply first = c.cmd("EHLO client.example.com");
            SmtpTestClient.expect(first, 250);
            assertThat(first.lines().getFirst()).startsWith("mail.example.com");
            assertThat(first.lines()).hasSizeGreaterThan(1);
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void TLS_10_injectedAuthAndMailAfterStartTlsAreNotRun() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            c.write("STARTTLS\r\nEHLO evil.example\r\nMAIL FROM:<alice@example.com>\r\n");
            expect(c.read(), 220, "2.0.0");
            c.upgrade();
            // the injected EHLO was dropped, so MAIL needs a fresh EHLO
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 503, "5.5.1");
        }
    }
}
