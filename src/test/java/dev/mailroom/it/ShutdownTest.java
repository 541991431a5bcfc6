package dev.mailroom.it;

import static dev.mailroom.it.SmtpTestClient.expect;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SMTP-37: on shutdown every connected client gets 421 4.3.2, and a half-sent message is not kept. */
class ShutdownTest {
    @TempDir
    Path dir;

    @Test
    void SMTP_37_connectedClientsGet421AndAnUnfinishedMessageIsDropped() throws Exception {
        MailroomFixture mr = MailroomFixture.start(dir);
        try (SmtpTestClient idle = SmtpTestClient.connect(mr.submission());
             SmtpTestClient sending = mr.aliceSession()) {
            expect(idle.read(), 220);
            expect(idle.cmd("EHLO client.example.com"), 250);
            expect(sending.cmd("MAIL FROM:<alice@example.com>"), 250);
            expect(sending.cmd("RCPT TO:<carol@remote.example>"), 250);
            expect(sending.cmd("DATA"), 354);
            sending.write("From: alice@example.com\r\nSubject: half\r\n\r\nnot finished\r\n");

            mr.close();

            SmtpTestClient.Reply r = expect(idle.read(), 421);
            assertThat(r.enhanced()).isEqualTo("4.3.2");
            assertThat(idle.isClosedByServer()).isTrue();
            SmtpTestClient.Reply s = expect(sending.read(), 421);
            assertThat(s.enhanced()).isEqualTo("4.3.2");
            assertThat(sending.isClosedByServer()).isTrue();
        } finally {
            mr.close();
        }
        assertThat(mr.sink.messages()).isEmpty();
        try (var files = Files.list(dir.resolve("data/spool/queue"))) {
            assertThat(files).isEmpty();
        }
    }
}
