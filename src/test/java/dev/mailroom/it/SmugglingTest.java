package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.ReceivedMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End of data and SMTP smuggling (DATA-01..03, SMTP-18, SMTP-29) over the wire, checked at the smarthost. */
class SmugglingTest {
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

    private static final String[] TERMINATORS = {
            "\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\r\r\n.\r\r\n", "\r\n.\r\r\n", "\n..\n",
    };

    @Test
    void DATA_02_DATA_03_smuggledEndOfDataIs550ClosesAndNothingIsRelayed() throws Exception {
        List<String> markers = new ArrayList<>();
        for (String terminator : TERMINATORS) {
            for (boolean secure : new boolean[] {false, true}) {
                String marker = Wire.marker();
                markers.add(marker);
                String smuggled = "MAIL FROM:<a@example.com>\r\nRCPT TO:<victim@remote.example>\r\nDATA\r\n"
                        + "From: a@example.com\r\nSubject: smuggled " + marker + "\r\n\r\nforged\r\n.\r\n";
                try (SmtpTestClient c = secure ? mr.aliceSession() : Wire.plainSession(mr.trusted())) {
                    String from = secure ? "alice@example.com" : "a@example.com";
                    expect(c.cmd("MAIL FROM:<" + from + ">"), 250, "2.1.0");
                    expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
                    SmtpTestClient.expect(c.cmd("DATA"), 354);
                    c.write("From: " + from + "\r\nSubject: outer " + marker + "\r\n\r\nbody" + terminator + smuggled);
                    expect(c.read(), 550, "5.5.2");
                    assertThat(c.isClosedByServer()).as("closed after %s", terminator.replace("\r", "<CR>").replace("\n", "<LF>")).isTrue();
                }
            }
        }
        Wire.sendGood(mr);
        for (String marker : markers) {
            assertThat(Wire.relayedWith(mr, marker)).as("relayed with %s", marker).isEmpty();
        }
        Wire.awaitEmptySpool(mr);
    }

    @Test
    void SMTP_29_dotStuffingReachesTheSmarthostExactly() throws Exception {
        String marker = Wire.marker();
        String body = ".x\r\n.\r\n..\r\n. \r\nmid.dle\r\n\r\n.end\r\n";
        String stuffed = "..x\r\n..\r\n...\r\n.. \r\nmid.dle\r\n\r\n..end\r\n";
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write("From: a@example.com\r\nSubject: " + marker + "\r\n\r\n" + stuffed + ".\r\n");
            expect(c.read(), 250, "2.0.0");
            expect(c.cmd("NOOP"), 250, "2.0.0");
        }
        ReceivedMessage m = Wire.awaitMarker(mr, marker);
        assertThat(m.text().split("\r\n\r\n", 2)[1]).isEqualTo(body);
    }

    @Test
    void SMTP_18_connectionDroppedMidDataRelaysNothingAndLeavesNothingInTheSpool() throws Exception {
        String marker = Wire.marker();
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write("From: a@example.com\r\nSubject: " + marker + "\r\n\r\npartial line\r\n.");
        }
        Wire.awaitEmptySpool(mr);
        Wire.sendGood(mr);
        assertThat(Wire.relayedWith(mr, marker)).isEmpty();
    }
}
