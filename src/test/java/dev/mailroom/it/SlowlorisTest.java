package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.SinkServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slowloris (issue 5, resource bounds): a client that keeps a session alive by trickling one byte a second is cut
 * at the RFC 5321 section 4.5.3.2 timeouts (shortened here to 3 seconds), in the command phase, in an AUTH
 * exchange and inside DATA; a slow but steady sender of content is not.
 */
class SlowlorisTest {
    private static final int TIMEOUT_SECONDS = 3;
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults(),
                "\n[limits]\ncommand_timeout_seconds = " + TIMEOUT_SECONDS + "\n");
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    /** Writes {@code text} one byte a second on a thread of its own until done or the server closes. */
    private static Thread trickle(SmtpTestClient c, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return Thread.ofVirtual().start(() -> {
            try {
                for (byte b : bytes) {
                    c.writeBytes(new byte[] {b});
                    Thread.sleep(1000);
                }
            } catch (IOException | InterruptedException e) {
                // the server cut the connection: that is the point
            }
        });
    }

    /** Expects 421 4.4.2 after about the timeout (the watchdog checks every 750 ms), then the close. */
    private static void expectCut(SmtpTestClient c, long startNanos) throws IOException {
        c.setTimeout(15_000);
        expect(c.read(), 421, "4.4.2");
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        assertThat(millis).isBetween(TIMEOUT_SECONDS * 1000L - 200, TIMEOUT_SECONDS * 1000L + 3000);
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void SMTP_36_aCommandLineTrickledAByteASecondIsCutAtTheCommandTimeout() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            long start = System.nanoTime();
            Thread writer = trickle(c, "EHLO a-very-slow-client.example\r\n"); // 33 s at this pace
            expectCut(c, start);
            writer.interrupt();
        }
    }

    @Test
    void SMTP_36_anAuthResponseTrickledAByteASecondIsCutAtTheCommandTimeout() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.submission()).startSecure("client.example.com")) {
            SmtpTestClient.expect(c.cmd("AUTH PLAIN"), 334);
            long start = System.nanoTime();
            Thread writer = trickle(c, "AGFsaWNlQGV4YW1wbGUuY29tAGFsaWNlLXBhc3N3b3Jk\r\n");
            expectCut(c, start);
            writer.interrupt();
        }
    }

    @Test
    void SMTP_36_contentTrickledAByteASecondIsCutAtTheDataTimeout() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            long start = System.nanoTime();
            Thread writer = trickle(c, Wire.message(Wire.marker()));
            expectCut(c, start);
            writer.interrupt();
        }
        Wire.awaitEmptySpool(mr);
    }

    @Test
    void SMTP_36_aSlowButSteadySenderOfContentIsNotCut() throws Exception {
        String marker = Wire.marker();
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(Wire.message(marker));
            // 600 octets every half second (1.2 kB/s) for twice the timeout: each 1000 octets restart the clock.
            String line = "x".repeat(598) + "\r\n";
            long end = System.nanoTime() + 2L * TIMEOUT_SECONDS * 1_000_000_000L;
            while (System.nanoTime() < end) {
                c.write(line);
                Thread.sleep(500);
            }
            c.write(".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
        Wire.awaitMarker(mr, marker);
    }
}
