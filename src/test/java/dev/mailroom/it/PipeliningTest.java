package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.ReceivedMessage;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PIPELINING (RFC 2920) and one reply per command (GEN-01). */
class PipeliningTest {
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

    @Test
    void GEN_01_tenPipelinedCommandsGetTenRepliesInOrder() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            c.write("NOOP\r\nHELP\r\nFOO\r\nRSET\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@remote.example>\r\n"
                    + "RCPT TO:<bad@@remote.example>\r\nVRFY x\r\nRSET\r\nNOOP\r\n");
            expect(c.read(), 250, "2.0.0");
            expect(c.read(), 214, "2.0.0");
            expect(c.read(), 500, "5.5.2");
            expect(c.read(), 250, "2.0.0");
            expect(c.read(), 250, "2.1.0");
            expect(c.read(), 250, "2.1.5");
            expect(c.read(), 501, "5.1.3");
            expect(c.read(), 252, "2.0.0");
            expect(c.read(), 250, "2.0.0");
            expect(c.read(), 250, "2.0.0");
            // nothing more: the next reply is to the next command
            expect(c.cmd("QUIT"), 221, "2.0.0");
        }
    }

    @Test
    void PIPE_01_mailRcptBadRcptDataInOneWrite() throws Exception {
        String marker = Wire.marker();
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            c.write("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@remote.example>\r\nRCPT TO:<c@x_y.example>\r\nDATA\r\n");
            expect(c.read(), 250, "2.1.0");
            SmtpTestClient.Reply good = expect(c.read(), 250, "2.1.5");
            assertThat(good.first()).contains("b@remote.example"); // PIPE-05
            expect(c.read(), 501, "5.1.3");
            SmtpTestClient.expect(c.read(), 354);
            c.write(Wire.message(marker) + ".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
        ReceivedMessage m = Wire.awaitMarker(mr, marker);
        assertThat(m.rcptTo()).containsExactly("b@remote.example");
    }

    @Test
    void PIPE_04_noValidRecipientThenDataIs554AndNever354() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            c.write("MAIL FROM:<a@example.com>\r\nRCPT TO:<c@x_y.example>\r\nDATA\r\nNOOP\r\n");
            expect(c.read(), 250, "2.1.0");
            expect(c.read(), 501, "5.1.3");
            expect(c.read(), 554, "5.5.1");
            expect(c.read(), 250, "2.0.0");
        }
    }

    @Test
    void PIPE_03_repliesAreFlushedWhenTheInputRunsDry() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            c.setTimeout(5000);
            c.write("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@remote.example>\r\n");
            expect(c.read(), 250, "2.1.0");
            expect(c.read(), 250, "2.1.5");
        }
    }

    @Test
    void PIPE_01_twoWholeTransactionsInOneWrite() throws Exception {
        String m1 = Wire.marker();
        String m2 = Wire.marker();
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            c.write("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@remote.example>\r\nDATA\r\n");
            expect(c.read(), 250, "2.1.0");
            expect(c.read(), 250, "2.1.5");
            SmtpTestClient.expect(c.read(), 354);
            c.write(Wire.message(m1) + ".\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<c@remote.example>\r\nDATA\r\n");
            expect(c.read(), 250, "2.0.0");
            expect(c.read(), 250, "2.1.0");
            expect(c.read(), 250, "2.1.5");
            SmtpTestClient.expect(c.read(), 354);
            c.write(Wire.message(m2) + ".\r\nQUIT\r\n");
            expect(c.read(), 250, "2.0.0");
            expect(c.read(), 221, "2.0.0");
        }
        assertThat(Wire.awaitMarker(mr, m1).rcptTo()).containsExactly("b@remote.example");
        assertThat(Wire.awaitMarker(mr, m2).rcptTo()).containsExactly("c@remote.example");
    }

    @Test
    void CHUNK_01_pipelinedBdatChunks() throws Exception {
        String marker = Wire.marker();
        String msg = Wire.message(marker);
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            c.write("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@remote.example>\r\nBDAT 3\r\n" + msg.substring(0, 3)
                    + "BDAT " + (msg.length() - 3) + " LAST\r\n" + msg.substring(3) + "NOOP\r\n");
            expect(c.read(), 250, "2.1.0");
            expect(c.read(), 250, "2.1.5");
            expect(c.read(), 250, "2.0.0");
            expect(c.read(), 250, "2.0.0");
            expect(c.read(), 250, "2.0.0");
        }
        assertThat(Wire.awaitMarker(mr, marker).text()).endsWith(msg.substring(msg.indexOf("\r\n\r\n")));
    }
}
