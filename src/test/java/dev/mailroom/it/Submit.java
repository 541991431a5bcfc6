package dev.mailroom.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/** Shared helpers of the submission integration tests: sessions on either port, DATA or BDAT, sink look-ups. */
final class Submit {
    private Submit() {
    }

    /** The two submission listeners (RFC 8314 section 3.3, MSA-02). */
    enum Port {
        STARTTLS_587("submission"), IMPLICIT_465("submissions");

        final String listener;

        Port(String listener) {
            this.listener = listener;
        }
    }

    /** How the content is sent (RFC 6409 section 7, MSA-01: the same rules for both). */
    enum Mode { DATA, BDAT }

    /** TLS up (STARTTLS or implicit), EHLO done, not yet authenticated. */
    static SmtpTestClient secure(MailroomFixture mr, Port port) throws IOException {
        if (port == Port.STARTTLS_587) {
            return SmtpTestClient.connect(mr.submission()).startSecure("client.example.com");
        }
        SmtpTestClient c = SmtpTestClient.connectTls(mr.submissions());
        SmtpTestClient.expect(c.read(), 220);
        SmtpTestClient.expect(c.cmd("EHLO client.example.com"), 250);
        return c;
    }

    static SmtpTestClient login(MailroomFixture mr, Port port, String user, String password) throws IOException {
        SmtpTestClient c = secure(mr, port);
        SmtpTestClient.Reply r = c.authPlain(user, password);
        assertThat(r.code()).as("AUTH %s", r).isEqualTo(235);
        assertThat(r.enhanced()).isEqualTo("2.7.0");
        return c;
    }

    static SmtpTestClient alice(MailroomFixture mr, Port port) throws IOException {
        return login(mr, port, MailroomFixture.ALICE, MailroomFixture.ALICE_PASSWORD);
    }

    /** Sends the content (CRLF text, ends with CRLF for DATA) and returns the reply to the end of data. */
    static SmtpTestClient.Reply content(SmtpTestClient c, Mode mode, byte[] message) throws IOException {
        if (mode == Mode.DATA) {
            SmtpTestClient.Reply r = c.cmd("DATA");
            assertThat(r.code()).as("DATA %s", r).isEqualTo(354);
            c.writeBytes(dotStuff(message));
            c.write(".\r\n");
            return c.read();
        }
        // Two chunks, split inside the header section, to exercise the buffering across chunks.
        int half = Math.min(message.length, 7);
        c.write("BDAT " + half + "\r\n");
        c.writeBytes(java.util.Arrays.copyOfRange(message, 0, half));
        SmtpTestClient.Reply r = c.read();
        assertThat(r.code()).as("BDAT %s", r).isEqualTo(250);
        c.write("BDAT " + (message.length - half) + " LAST\r\n");
        c.writeBytes(java.util.Arrays.copyOfRange(message, half, message.length));
        return c.read();
    }

    static SmtpTestClient.Reply content(SmtpTestClient c, Mode mode, String message) throws IOException {
        return content(c, mode, message.getBytes(StandardCharsets.UTF_8));
    }

    /** RFC 5321 section 4.5.2: a line starting with '.' gets one more. */
    static byte[] dotStuff(byte[] m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(m.length + 16);
        boolean lineStart = true;
        for (byte b : m) {
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n';
        }
        return out.toByteArray();
    }

    /** MAIL, RCPT(s), content; asserts each 250 and returns the queue id. */
    static String send(SmtpTestClient c, Mode mode, String from, List<String> rcpts, String message) throws IOException {
        expectOk(c.cmd("MAIL FROM:<" + from + ">"), 250, "2.1.0");
        for (String r : rcpts) {
            expectOk(c.cmd("RCPT TO:<" + r + ">"), 250, "2.1.5");
        }
        SmtpTestClient.Reply r = content(c, mode, message);
        expectOk(r, 250, "2.0.0");
        assertThat(r.first()).startsWith("2.0.0 OK queued as ");
        return r.first().substring("2.0.0 OK queued as ".length()).strip();
    }

    static SmtpTestClient.Reply expectOk(SmtpTestClient.Reply r, int code, String enhanced) {
        assertThat(r.code()).as("reply %s", r).isEqualTo(code);
        assertThat(r.enhanced()).as("enhanced code of %s", r).isEqualTo(enhanced);
        return r;
    }

    /** Waits (polling, bounded) until the sink holds a message whose content contains this marker. */
    static ReceivedMessage awaitMarker(SinkServer sink, String marker) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            List<ReceivedMessage> found = withMarker(sink, marker);
            if (!found.isEmpty()) {
                return found.getFirst();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no message with " + marker + " reached the sink");
    }

    static List<ReceivedMessage> withMarker(SinkServer sink, String marker) {
        return sink.messages().stream().filter(m -> m.text().contains(marker)).toList();
    }

    /** Waits until a directory has no regular file left (bounded). */
    static void awaitEmpty(Path dir) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            List<Path> left;
            try (Stream<Path> s = Files.list(dir)) {
                left = s.toList();
            }
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(dir + " still holds " + left);
            }
            Thread.sleep(20);
        }
    }

    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** The header section of relayed content (without the empty line) and its body. */
    record Parts(String header, String body) {
        static Parts of(byte[] data) {
            String s = new String(data, StandardCharsets.ISO_8859_1);
            int end = s.indexOf("\r\n\r\n");
            return end < 0 ? new Parts(s, null) : new Parts(s.substring(0, end + 2), s.substring(end + 4));
        }

        /** The unfolded value of the first field with that name, or null. */
        String field(String name) {
            for (String f : fields()) {
                if (f.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                    return f.substring(name.length() + 1).replace("\r\n", "").strip();
                }
            }
            return null;
        }

        List<String> fields() {
            return List.of(header.split("\r\n(?![ \t])"));
        }

        int count(String name) {
            return (int) fields().stream().filter(f -> f.regionMatches(true, 0, name + ":", 0, name.length() + 1)).count();
        }
    }

    /**
     * The relayed bytes with the fields Mailroom adds taken out: the first field (Received, prepended) and
     * the named fields at the end of the header section (appended). Fails if they are not where expected.
     */
    static byte[] withoutAdded(byte[] relayed, String... appended) {
        String s = new String(relayed, StandardCharsets.ISO_8859_1);
        assertThat(s).startsWith("Received: ");
        int firstEnd = endOfField(s, 0);
        s = s.substring(firstEnd);
        int headerEnd = s.indexOf("\r\n\r\n") + 2;
        if (headerEnd < 2) {
            headerEnd = s.length();
        }
        String header = s.substring(0, headerEnd);
        String rest = s.substring(headerEnd);
        for (int i = appended.length - 1; i >= 0; i--) {
            // appended fields are the last ones, in the order given
            int start = lastFieldStart(header);
            assertThat(header.substring(start)).as("field appended at the end").startsWith(appended[i] + ": ");
            header = header.substring(0, start);
        }
        return (header + rest).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int endOfField(String s, int from) {
        int i = from;
        while (true) {
            int eol = s.indexOf("\r\n", i);
            if (eol < 0) {
                return s.length();
            }
            i = eol + 2;
            if (i >= s.length() || (s.charAt(i) != ' ' && s.charAt(i) != '\t')) {
                return i;
            }
        }
    }

    private static int lastFieldStart(String header) {
        int start = 0;
        int i = 0;
        while (i < header.length()) {
            int end = endOfField(header, i);
            start = i;
            i = end;
        }
        return start;
    }
}
