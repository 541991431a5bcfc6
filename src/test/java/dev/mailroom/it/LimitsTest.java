package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.SinkServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Line, size, recipient and error limits (RFC 5321 4.5.3, RFC 1870) on a server with small limits. */
class LimitsTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults(),
                "\n[limits]\nmax_message_size = 70000\nmax_recipients = 100\nmax_bad_commands = 5\n");
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    @Test
    void SMTP_24_a511OctetLineIsFineA3000OctetLineIs500AndTheSessionContinues() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            String noop = "NOOP " + "x".repeat(506);
            assertThat(noop).hasSize(511);
            expect(c.cmd(noop), 250, "2.0.0");
            expect(c.cmd("NOOP " + "y".repeat(2995)), 500, "5.5.2");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("X".repeat(20000)), 500, "5.5.2");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void DSN_03_maximumLengthDsnParametersAreAccepted() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            String line = "MAIL FROM:<a@example.com> ENVID=" + "e".repeat(100) + " AUTH=<> RET=FULL SIZE=100 BODY=8BITMIME";
            expect(c.cmd(line), 250, "2.1.0");
            String rcpt = "RCPT TO:<b@remote.example> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;" + "o".repeat(483) + "@r.example";
            assertThat(rcpt.substring(rcpt.indexOf("ORCPT=") + 6)).hasSize(500);
            expect(c.cmd(rcpt), 250, "2.1.5");
        }
    }

    @Test
    void SMTP_28_hundredRecipientsAreFineThe101stIs452() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            StringBuilder burst = new StringBuilder("MAIL FROM:<a@example.com>\r\n");
            for (int i = 1; i <= 101; i++) {
                burst.append("RCPT TO:<r").append(i).append("@remote.example>\r\n");
            }
            c.write(burst.toString());
            expect(c.read(), 250, "2.1.0");
            for (int i = 1; i <= 100; i++) {
                expect(c.read(), 250, "2.1.5");
            }
            expect(c.read(), 452, "4.5.3");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            String marker = Wire.marker();
            c.write(Wire.message(marker) + ".\r\n");
            expect(c.read(), 250, "2.0.0");
            assertThat(Wire.awaitMarker(mr, marker).rcptTo()).hasSize(100);
        }
    }

    @Test
    void SIZE_01_ehloAdvertisesTheEnforcedLimit() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            assertThat(SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250).lines()).contains("SIZE 70000");
        }
    }

    @Test
    void SIZE_02_declaredSizeOverTheLimitIs552() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com> SIZE=70001"), 552, "5.3.4");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("MAIL FROM:<a@example.com> SIZE=999999999999"), 552, "5.3.4");
            expect(c.cmd("MAIL FROM:<a@example.com> SIZE=70000"), 250, "2.1.0");
        }
    }

    @Test
    void SIZE_05_oversizeDataIs552AndNothingIsRelayed() throws Exception {
        String marker = Wire.marker();
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com> SIZE=10"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(Wire.message(marker) + ("z".repeat(998) + "\r\n").repeat(71) + ".\r\n");
            expect(c.read(), 552, "5.3.4");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 503, "5.5.1"); // the transaction is over
        }
        Wire.sendGood(mr);
        assertThat(Wire.relayedWith(mr, marker)).isEmpty();
    }

    @Test
    void SIZE_05_dataLargerThanDeclaredButUnderTheLimitIsAccepted() throws Exception {
        String marker = Wire.marker();
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com> SIZE=10"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(Wire.message(marker) + ("z".repeat(98) + "\r\n").repeat(20) + ".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
        Wire.awaitMarker(mr, marker);
    }

    @Test
    void SIZE_05_oversizeBdatIs552() throws Exception {
        String marker = Wire.marker();
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            String chunk = Wire.message(marker) + ("z".repeat(998) + "\r\n").repeat(71);
            c.write("BDAT " + chunk.length() + "\r\n" + chunk);
            expect(c.read(), 552, "5.3.4");
            c.write("BDAT 4 LAST\r\nabcd");
            expect(c.read(), 503, "5.5.1");
            expect(c.cmd("RSET"), 250, "2.0.0");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
        Wire.sendGood(mr);
        assertThat(Wire.relayedWith(mr, marker)).isEmpty();
    }

    @Test
    void tooManyErrorsGive421AndClose() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            for (int i = 0; i < 5; i++) {
                expect(c.cmd("FOO" + i), 500, "5.5.2");
            }
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("FOO"), 500, "5.5.2");
            expect(c.read(), 421, "4.7.0");
            assertThat(c.isClosedByServer()).isTrue();
        }
    }
}
