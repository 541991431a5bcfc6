package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command syntax, order and replies of RFC 5321 section 4 over real sockets. */
class ProtocolCommandsTest {
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

    private static SmtpTestClient trusted() throws Exception {
        return Wire.plainSession(mr.trusted());
    }

    private static void stillUsable(SmtpTestClient c) throws Exception {
        expect(c.cmd("NOOP"), 250, "2.0.0");
    }

    @Test
    void GEN_05_greetingStartsWithTheHostname() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.Reply r = SmtpTestClient.expect(c.read(), 220);
            assertThat(r.first()).startsWith("mail.example.com ");
        }
    }

    @Test
    void GEN_06_unknownCommandIs500AndTheSessionContinues() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("FOO bar"), 500, "5.5.2");
            stillUsable(c);
        }
    }

    @Test
    void GEN_07_SMTP_20_unimplementedCommandsAre502AndNeverAdvertised() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.Reply ehlo = SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            for (String verb : new String[] {"EXPN", "ETRN", "TURN", "ATRN"}) {
                assertThat(ehlo.lines()).noneMatch(l -> l.toUpperCase().startsWith(verb));
                expect(c.cmd(verb + " list"), 502, "5.5.1");
            }
            stillUsable(c);
        }
    }

    @Test
    void GEN_04_errorAfterHeloStillCarriesAnEnhancedCode_SMTP_01_heloReplyIsOneLine() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.Reply helo = SmtpTestClient.expect(c.cmd("HELO client.example.com"), 250);
            assertThat(helo.lines()).hasSize(1);
            expect(c.cmd("RCPT TO:<b@remote.example>"), 503, "5.5.1");
            expect(c.cmd("BOGUS"), 500, "5.5.2");
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            SmtpTestClient.expect(c.cmd("QUIT"), 221);
        }
    }

    @Test
    void SMTP_02_ehloWithoutArgumentIs501AndStateIsUnchanged() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            expect(c.cmd("EHLO"), 501, "5.5.4");
            expect(c.cmd("EHLO bad name"), 501, "5.5.4");
            expect(c.cmd("HELO"), 501, "5.5.4");
            expect(c.cmd("MAIL FROM:<a@example.com>"), 503, "5.5.1");
            stillUsable(c);
        }
    }

    @Test
    void SMTP_06_mailBeforeEhloIs503() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            expect(c.cmd("MAIL FROM:<a@example.com>"), 503, "5.5.1");
            stillUsable(c);
        }
    }

    @Test
    void SMTP_07_noopHelpVrfyRsetWorkBeforeEhlo() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("HELP"), 214, "2.0.0");
            expect(c.cmd("VRFY alice"), 252, "2.0.0");
            expect(c.cmd("RSET"), 250, "2.0.0");
        }
    }

    @Test
    void SMTP_08_nestedMailIs503AndTheFirstTransactionSurvives() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("MAIL FROM:<other@example.com>"), 503, "5.5.1");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            stillUsable(c);
        }
    }

    @Test
    void SMTP_09_rcptWithoutMailIs503() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("RCPT TO:<b@remote.example>"), 503, "5.5.1");
            stillUsable(c);
        }
    }

    @Test
    void SMTP_10_dataWithoutMailIs503AndWithoutValidRcptIs554NeverA354() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("DATA"), 503, "5.5.1");
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@@remote.example>"), 501, "5.1.3");
            expect(c.cmd("DATA"), 554, "5.5.1");
            stillUsable(c);
        }
    }

    @Test
    void SMTP_04_repeatedEhloResetsTheTransaction() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            expect(c.cmd("DATA"), 503, "5.5.1");
            stillUsable(c);
        }
    }

    @Test
    void SMTP_15_rsetClearsTheTransactionAndRejectsArguments() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RSET x"), 501, "5.5.4");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5"); // the bad RSET changed nothing
            expect(c.cmd("RSET"), 250, "2.0.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 503, "5.5.1");
            stillUsable(c);
        }
    }

    @Test
    void SMTP_13_SMTP_14_SMTP_16_noopArgumentsTrailingSpaceAndCaseAreTolerated() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("NOOP hello"), 250, "2.0.0");
            expect(c.cmd("NOOP "), 250, "2.0.0");
            expect(c.cmd("noop"), 250, "2.0.0");
            expect(c.cmd("mail from:<Ab@Example.com>"), 250, "2.1.0");
            expect(c.cmd("rCpT To:<b@remote.example>"), 250, "2.1.5");
        }
    }

    @Test
    void SMTP_17_quitGives221AndCloses() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("QUIT now"), 501, "5.5.4");
            stillUsable(c);
            expect(c.cmd("QUIT"), 221, "2.0.0");
            assertThat(c.isClosedByServer()).isTrue();
        }
    }

    @Test
    void SMTP_23_dataWithArgumentIs501() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            expect(c.cmd("DATA x"), 501, "5.5.4");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(Wire.message(Wire.marker()) + ".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
    }

    @Test
    void SMTP_19_SMTP_21_vrfyIs252AndHelpIs214() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("VRFY alice"), 252, "2.0.0");
            expect(c.cmd("VRFY"), 501, "5.5.4");
            expect(c.cmd("HELP"), 214, "2.0.0");
            stillUsable(c);
        }
    }

    @Test
    void MSA_12_SMTP_11_badAddressesGetTheirSpecificCodes() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("MAIL FROM:<a@@example.com>"), 501, "5.1.7");
            stillUsable(c);
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<a@x_y.example>"), 501, "5.1.3");
            stillUsable(c);
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
        }
    }

    @Test
    void SMTP_22_unknownParameterIs555AndSessionContinues() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("MAIL FROM:<a@example.com> FOO=1"), 555, "5.5.4");
            stillUsable(c);
            expect(c.cmd("MAIL FROM:<a@example.com> SIZE=1 SIZE=2"), 501, "5.5.4");
            stillUsable(c);
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example> FOO=1"), 555, "5.5.4");
            expect(c.cmd("RCPT TO:<b@remote.example> NOTIFY=NEVER NOTIFY=NEVER"), 501, "5.5.4");
            stillUsable(c);
        }
    }

    @Test
    void SMTP_22_dsnParametersAfterHeloAreUnadvertisedAnd555() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            SmtpTestClient.expect(c.cmd("HELO client.example.com"), 250);
            expect(c.cmd("MAIL FROM:<a@example.com> RET=FULL"), 555, "5.5.4");
            stillUsable(c);
        }
    }

    @Test
    void SMTP_45_UTF8_04_nonAsciiAddressWithoutSmtputf8IsRefused() throws Exception {
        try (SmtpTestClient c = trusted()) {
            expect(c.cmd("MAIL FROM:<ü@example.com>"), 550, "5.6.7");
            stillUsable(c);
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<用户@例子.测试>"), 553, "5.6.7");
            stillUsable(c);
        }
    }

    @Test
    void invalidUtf8InACommandIs500AndSessionContinues() throws Exception {
        try (SmtpTestClient c = trusted()) {
            c.writeBytes("NOOP \u00ff\r\n".getBytes(StandardCharsets.ISO_8859_1));
            expect(c.read(), 500, "5.5.2");
            stillUsable(c);
        }
    }

    @Test
    void DATA_01_bareLfInACommandIs550AndCloses() throws Exception {
        try (SmtpTestClient c = trusted()) {
            c.write("NOOP\nNOOP\r\n");
            expect(c.read(), 550, "5.5.2");
            assertThat(c.isClosedByServer()).isTrue();
        }
        try (SmtpTestClient c = trusted()) {
            c.write("NOOP\rNOOP\r\n");
            expect(c.read(), 550, "5.5.2");
            assertThat(c.isClosedByServer()).isTrue();
        }
    }

    @Test
    void TLS_05_MSA_10_beforeStartTlsOnlyNoopEhloStartTlsQuit() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission())) {
            SmtpTestClient.expect(c.read(), 220);
            expect(c.cmd("NOOP"), 250, "2.0.0");
            SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
            for (String cmd : new String[] {"HELO client.example.com", "MAIL FROM:<alice@example.com>",
                    "RCPT TO:<b@remote.example>", "DATA", "RSET", "VRFY alice", "HELP", "BDAT 0 LAST"}) {
                expect(c.cmd(cmd), 530, "5.7.0");
            }
            // AUTH before TLS: 538 (project choice), and the credentials are never looked at
            expect(c.authPlain(MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD), 538, "5.7.11");
            expect(c.authPlain(MailroomFixture.ALICE, "wrong"), 538, "5.7.11");
            stillUsable(c);
            expect(c.cmd("QUIT"), 221, "2.0.0");
        }
    }

    @Test
    void MSA_10_afterTlsEveryTransactionCommandNeedsAuth() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission()).startSecure("client.example.com")) {
            for (String cmd : new String[] {"MAIL FROM:<alice@example.com>", "RCPT TO:<b@remote.example>", "DATA",
                    "VRFY alice", "BDAT 0 LAST"}) {
                expect(c.cmd(cmd), 530, "5.7.0");
            }
            expect(c.cmd("RSET"), 250, "2.0.0");
            SmtpTestClient.expect(c.authPlain(MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD), 235);
            expect(c.cmd("VRFY alice"), 252, "2.0.0");
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 250, "2.1.0");
        }
    }
}
