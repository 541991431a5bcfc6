package dev.mailroom.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.ReceivedMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/** Small assertions shared by the protocol integration tests. */
final class Wire {
    private static final AtomicLong MARKERS = new AtomicLong();

    private Wire() {
    }

    /**
     * Asserts the basic and the enhanced code, and GEN-04 for every line: a 2xx/4xx/5xx reply carries an
     * enhanced code of the same class.
     */
    static SmtpTestClient.Reply expect(SmtpTestClient.Reply r, int code, String enhanced) {
        assertThat(r.code()).as("reply %s", r).isEqualTo(code);
        assertThat(r.enhanced()).as("enhanced code of %s", r).isEqualTo(enhanced);
        assertEnhancedOnEveryLine(r);
        return r;
    }

    /** GEN-04 (RFC 2034 section 4): every line of a non-3xx reply starts with an enhanced code of its class. */
    static void assertEnhancedOnEveryLine(SmtpTestClient.Reply r) {
        if (r.code() >= 300 && r.code() < 400) {
            assertThat(r.lines()).as("3xx carries no enhanced code: %s", r)
                    .noneMatch(l -> l.matches("[245]\\.\\d{1,3}\\.\\d{1,3}( .*)?"));
            return;
        }
        char cls = Integer.toString(r.code()).charAt(0);
        for (String line : r.lines()) {
            assertThat(line).as("enhanced code on every line of %s", r).matches(cls + "\\.\\d{1,3}\\.\\d{1,3}( .*)?");
        }
    }

    /** Greeting and EHLO on a plain listener. */
    static SmtpTestClient plainSession(int port) throws IOException {
        SmtpTestClient c = SmtpTestClient.connect(port);
        SmtpTestClient.expect(c.read(), 220);
        SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
        return c;
    }

    static String marker() {
        return "m" + System.nanoTime() + "-" + MARKERS.incrementAndGet();
    }

    /** A minimal valid message whose Subject carries {@code marker}, CRLF-terminated, not dot-stuffed. */
    static String message(String marker) {
        return "From: a@example.com\r\nTo: b@remote.example\r\nSubject: " + marker + "\r\n\r\nbody " + marker + "\r\n";
    }

    /** Waits until a relayed message with {@code marker} arrives. */
    static ReceivedMessage awaitMarker(MailroomFixture mr, String marker) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<ReceivedMessage> m = mr.sink.messages().stream().filter(x -> x.text().contains(marker)).findFirst();
            if (m.isPresent()) {
                return m.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no relayed message with " + marker);
    }

    static List<ReceivedMessage> relayedWith(MailroomFixture mr, String marker) {
        return mr.sink.messages().stream().filter(x -> x.text().contains(marker)).toList();
    }

    /** Sends a good message on the trusted listener and waits for it: everything queued before has been seen. */
    static ReceivedMessage sendGood(MailroomFixture mr) throws Exception {
        String marker = marker();
        try (SmtpTestClient c = plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(message(marker) + ".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
        return awaitMarker(mr, marker);
    }

    /** Files left in the spool's incoming and queue directories. */
    static long spoolFiles(MailroomFixture mr) throws IOException {
        long n = 0;
        for (Path d : new Path[] {mr.spoolQueue(), mr.spoolQueue().resolveSibling("incoming")}) {
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.walk(d)) {
                    n += s.filter(Files::isRegularFile).count();
                }
            }
        }
        return n;
    }

    /** Polls until the spool is empty (sessions abort asynchronously after the client goes away). */
    static void awaitEmptySpool(MailroomFixture mr) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (spoolFiles(mr) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(spoolFiles(mr)).as("files left in the spool").isZero();
    }
}
