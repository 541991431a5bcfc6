package dev.mailroom.it;

import static dev.mailroom.it.SmtpTestClient.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.ReceivedMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A message submitted on the STARTTLS port reaches the smarthost, completed and otherwise byte-identical. */
class SubmissionEndToEndTest {
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
    void submittedMessageArrivesWithDateMessageIdAndReceivedAddedAndTheRestUnchanged() throws Exception {
        String original = "From: Alice <alice@example.com>\r\n"
                + "To: carol@remote.example\r\n"
                + "Subject: hello\r\n"
                + "\r\n"
                + "Line one\r\n"
                + ".leading dot\r\n"
                + "\r\n"
                + "last line\r\n";
        try (SmtpTestClient c = mr.aliceSession()) {
            expect(c.cmd("MAIL FROM:<alice@example.com>"), 250);
            expect(c.cmd("RCPT TO:<carol@remote.example>"), 250);
            expect(c.cmd("DATA"), 354);
            c.write(original.replace("\r\n.", "\r\n..") + ".\r\n");
            SmtpTestClient.Reply r = expect(c.read(), 250);
            assertThat(r.first()).startsWith("2.0.0 OK queued as ");
            expect(c.cmd("QUIT"), 221);
        }
        ReceivedMessage m = mr.awaitRelayed(1).getFirst();
        assertThat(m.mailFrom()).isEqualTo("alice@example.com");
        assertThat(m.rcptTo()).containsExactly("carol@remote.example");
        String relayed = new String(m.data(), StandardCharsets.UTF_8);
        String[] parts = relayed.split("\r\n\r\n", 2);
        assertThat(parts[0]).startsWith("Received: from client.example.com by mail.example.com (Mailroom) with ESMTPSA");
        assertThat(parts[0]).contains("\r\nFrom: Alice <alice@example.com>\r\nTo: carol@remote.example\r\nSubject: hello\r\n");
        assertThat(parts[0]).containsPattern("\r\nDate: [A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}");
        assertThat(parts[0]).containsPattern("\r\nMessage-ID: <[0-9A-Z]{15}\\.[0-9a-z]+@mail\\.example\\.com>");
        assertThat(parts[1]).isEqualTo("Line one\r\n.leading dot\r\n\r\nlast line\r\n");
    }
}
