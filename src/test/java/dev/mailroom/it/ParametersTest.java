package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.ReceivedMessage;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MAIL/RCPT parameters end to end: DSN (RFC 3461), SMTPUTF8 (RFC 6531), AUTH= (RFC 4954 section 5). */
class ParametersTest {
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

    private static ReceivedMessage submit(String mail, String rcpt) throws Exception {
        String marker = Wire.marker();
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd(mail), 250, "2.1.0");
            expect(c.cmd(rcpt), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(Wire.message(marker) + ".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
        return Wire.awaitMarker(mr, marker);
    }

    @Test
    void DSN_04_dsnParametersReachTheNextHopUnchanged() throws Exception {
        ReceivedMessage m = submit("MAIL FROM:<a@example.com> RET=HDRS ENVID=QQ314159+2BaBc",
                "RCPT TO:<b@remote.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2BX@Remote.Example");
        assertThat(m.mailParams()).contains("RET=HDRS", "ENVID=QQ314159+2BaBc");
        assertThat(m.rcptParams().getFirst()).contains("ORCPT=rfc822;Bob+2BX@Remote.Example");
        assertThat(m.rcptParams().getFirst()).anyMatch(p -> p.equals("NOTIFY=SUCCESS,FAILURE") || p.equals("NOTIFY=FAILURE,SUCCESS"));
    }

    @Test
    void DSN_04_neverAndFullPassUnchanged() throws Exception {
        ReceivedMessage m = submit("MAIL FROM:<a@example.com> RET=FULL", "RCPT TO:<b@remote.example> NOTIFY=NEVER");
        assertThat(m.mailParams()).contains("RET=FULL");
        assertThat(m.rcptParams().getFirst()).contains("NOTIFY=NEVER");
    }

    @Test
    void DSN_04_notifyCaseIsPassedUnchanged() throws Exception {
        ReceivedMessage m = submit("MAIL FROM:<a@example.com>", "RCPT TO:<b@remote.example> NOTIFY=delay,Success");
        assertThat(m.rcptParams().getFirst()).contains("NOTIFY=delay,Success");
    }

    @Test
    void DSN_02_badDsnParametersOnTheWire() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com> RET=HDRS RET=FULL"), 501, "5.5.4");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example> NOTIFY=FAILURE,NEVER"), 501, "5.5.4");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void UTF8_03_smtputf8AddressesAreAcceptedEndToEnd() throws Exception {
        ReceivedMessage m = submit("MAIL FROM:<a@example.com> SMTPUTF8", "RCPT TO:<用户@例子.测试>");
        assertThat(m.rcptTo()).containsExactly("用户@例子.测试");
        assertThat(m.mailParams()).contains("SMTPUTF8");
        ReceivedMessage n = submit("MAIL FROM:<jöran@example.com> SMTPUTF8", "RCPT TO:<b@remote.example>");
        assertThat(n.mailFrom()).isEqualTo("jöran@example.com");
    }

    @Test
    void UTF8_02_smtputf8WithAValueIs501() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com> SMTPUTF8=yes"), 501, "5.5.4");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void AUTH_18_authParameterOnMail() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com> AUTH=+ZZ"), 501, "5.5.4");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("MAIL FROM:<a@example.com> AUTH=e+3Dmc2@x"), 250, "2.1.0");
            expect(c.cmd("RSET"), 250, "2.0.0");
            expect(c.cmd("MAIL FROM:<a@example.com> AUTH=<>"), 250, "2.1.0");
        }
    }

    @Test
    void BIT8_01_bodyParameterOnTheWire() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com> BODY=FOO"), 501, "5.5.4");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("MAIL FROM:<a@example.com> BODY=8BITMIME"), 250, "2.1.0");
        }
        ReceivedMessage m = submit("MAIL FROM:<a@example.com> BODY=8BITMIME", "RCPT TO:<b@remote.example>");
        assertThat(m.mailParams()).contains("BODY=8BITMIME");
    }
}
