package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.ReceivedMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BDAT (RFC 3030) on the trusted listener. */
class ChunkingTest {
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

    private static SmtpTestClient inTransaction(String mailParams) throws Exception {
        SmtpTestClient c = Wire.plainSession(mr.trusted());
        expect(c.cmd("MAIL FROM:<a@example.com>" + mailParams), 250, "2.1.0");
        expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
        return c;
    }

    private static String bdat(String chunk, boolean last) {
        return "BDAT " + chunk.getBytes(StandardCharsets.UTF_8).length + (last ? " LAST" : "") + "\r\n" + chunk;
    }

    @Test
    void CHUNK_01_chunksAreAcknowledgedAndConcatenated() throws Exception {
        String marker = Wire.marker();
        String head = "From: a@example.com\r\nSubject: " + marker + "\r\n\r\n";
        try (SmtpTestClient c = inTransaction("")) {
            c.write(bdat(head + "first ", false));
            expect(c.read(), 250, "2.0.0");
            c.write(bdat("half\r\n.leading dot\r\nBDAT 5\r\n", false));
            expect(c.read(), 250, "2.0.0");
            c.write("BDAT 0 LAST\r\n");
            expect(c.read(), 250, "2.0.0");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
        ReceivedMessage m = Wire.awaitMarker(mr, marker);
        // no dot-stuffing in BDAT: the content arrives as sent
        assertThat(m.text().split("\r\n\r\n", 2)[1]).isEqualTo("first half\r\n.leading dot\r\nBDAT 5\r\n");
    }

    @Test
    void CHUNK_03_bdatBeforeMailConsumesExactlyTheChunkThen503() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            String payload = ("QUIT\r\n" + "x".repeat(94)).repeat(10); // 1000 octets full of commands
            assertThat(payload).hasSize(1000);
            c.write("BDAT 1000\r\n" + payload);
            expect(c.read(), 503, "5.5.1");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void CHUNK_03_bdatWithoutRecipientsConsumesTheChunk() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            c.write("BDAT 6 LAST\r\nQUIT\r\n");
            expect(c.read(), 554, "5.5.1");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void CHUNK_02_bdatAfterBdatLastIs503() throws Exception {
        try (SmtpTestClient c = inTransaction("")) {
            c.write(bdat(Wire.message(Wire.marker()), true));
            expect(c.read(), 250, "2.0.0");
            c.write("BDAT 4 LAST\r\nNOOP");
            expect(c.read(), 503, "5.5.1");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void CHUNK_02_dataAfterBdatIs503() throws Exception {
        try (SmtpTestClient c = inTransaction("")) {
            c.write(bdat("From: a@example.com\r\n", false));
            expect(c.read(), 250, "2.0.0");
            expect(c.cmd("DATA"), 503, "5.5.1");
            expect(c.cmd("NOOP"), 250, "2.0.0");
            expect(c.cmd("RSET"), 250, "2.0.0");
        }
    }

    @Test
    void CHUNK_05_binarymimeWithDataIs503() throws Exception {
        try (SmtpTestClient c = inTransaction(" BODY=BINARYMIME")) {
            expect(c.cmd("DATA"), 503, "5.5.1");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }

    @Test
    void CHUNK_04_rsetAfterBdatDropsTheChunks() throws Exception {
        String dropped = Wire.marker();
        String kept = Wire.marker();
        try (SmtpTestClient c = inTransaction("")) {
            c.write(bdat("From: a@example.com\r\nSubject: " + dropped + "\r\n", false));
            expect(c.read(), 250, "2.0.0");
            expect(c.cmd("RSET"), 250, "2.0.0");
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            c.write(bdat("To: b@remote.example\r\nFrom: a@example.com\r\nSubject: " + kept + "\r\n\r\nx\r\n", true));
            expect(c.read(), 250, "2.0.0");
        }
        ReceivedMessage m = Wire.awaitMarker(mr, kept);
        assertThat(m.text()).doesNotContain(dropped);
        assertThat(Wire.relayedWith(mr, dropped)).isEmpty();
    }

    @Test
    void CHUNK_07_nonNumericSizeIs501AndCloses() throws Exception {
        try (SmtpTestClient c = inTransaction("")) {
            c.write("BDAT x1\r\n");
            expect(c.read(), 501, "5.5.4");
            assertThat(c.isClosedByServer()).isTrue();
        }
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            c.write("BDAT 5 NOTLAST\r\n");
            expect(c.read(), 501, "5.5.4");
            assertThat(c.isClosedByServer()).isTrue();
        }
    }

    @Test
    void DATA_04_bareLfInBdatTextIsRejectedEvenAcrossChunks() throws Exception {
        String marker = Wire.marker();
        try (SmtpTestClient c = inTransaction("")) {
            c.write(bdat("From: a@example.com\r\nSubject: " + marker + "\r\n\r\nline\r", false));
            expect(c.read(), 250, "2.0.0"); // a CR at the end of a chunk may be followed by LF in the next
            c.write(bdat("x\n.\r\n", true));
            expect(c.read(), 550, "5.5.2");
            assertThat(c.isClosedByServer()).isTrue();
        }
        try (SmtpTestClient c = inTransaction("")) {
            c.write(bdat("From: a@example.com\r\nSubject: " + marker + "\r\n\r\nline\r", true));
            expect(c.read(), 550, "5.5.2");
            assertThat(c.isClosedByServer()).isTrue();
        }
        Wire.sendGood(mr);
        assertThat(Wire.relayedWith(mr, marker)).isEmpty();
    }

    @Test
    void DATA_04_crlfSplitAcrossChunksIsFine() throws Exception {
        String marker = Wire.marker();
        try (SmtpTestClient c = inTransaction("")) {
            c.write(bdat("From: a@example.com\r\nSubject: " + marker + "\r\n\r\nline\r", false));
            expect(c.read(), 250, "2.0.0");
            c.write(bdat("\nend\r\n", true));
            expect(c.read(), 250, "2.0.0");
        }
        assertThat(Wire.awaitMarker(mr, marker).text().split("\r\n\r\n", 2)[1]).isEqualTo("line\r\nend\r\n");
    }

    @Test
    void CHUNK_05_bareLfIsAllowedWithBinarymime() throws Exception {
        try (SmtpTestClient c = inTransaction(" BODY=BINARYMIME")) {
            c.write(bdat("From: a@example.com\r\nSubject: " + Wire.marker() + "\r\n\r\nbin\nary\r", true));
            expect(c.read(), 250, "2.0.0");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
    }
}
