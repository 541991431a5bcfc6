package dev.mailroom.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.sink.SinkServer.SinkSettings;
import dev.mailroom.smtp.SmtpReply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sink driven by a raw socket client, byte by byte. */
class SinkServerTest {

    /** A minimal raw SMTP client: writes exactly what it is given, reads whole replies. */
    static final class Raw implements AutoCloseable {
        Socket socket;
        InputStream in;
        OutputStream out;

        Raw(SinkServer sink) throws IOException {
            socket = new Socket(sink.address().getAddress(), sink.port());
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /** One reply, its lines joined by "\n". */
        String reply() throws IOException {
            List<String> lines = new ArrayList<>();
            while (true) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                int c;
                while ((c = in.read()) != '\n') {
                    if (c < 0) {
                        throw new IOException("EOF after " + lines);
                    }
                    b.write(c);
                }
                String line = b.toString(StandardCharsets.UTF_8);
                assertThat(line).endsWith("\r");
                line = line.substring(0, line.length() - 1);
                lines.add(line);
                if (line.length() < 4 || line.charAt(3) == ' ') {
                    return String.join("\n", lines);
                }
            }
        }

        void write(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String cmd(String line) throws IOException {
            write(line + "\r\n");
            return reply();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private SinkServer sink;

    @AfterEach
    void tearDown() {
        if (sink != null) {
            sink.close();
        }
    }

    private Raw open(SinkSettings settings) throws IOException {
        sink = SinkServer.start(settings);
        Raw raw = new Raw(sink);
        assertThat(raw.reply()).startsWith("220 sink.localhost ");
        return raw;
    }

    @Test
    void endOfDataOnlyAtCrlfDotCrlf() throws Exception {
        try (Raw c = open(SinkSettings.defaults())) {
            assertThat(c.cmd("EHLO raw.test")).startsWith("250-sink.localhost").contains("PIPELINING", "DSN");
            assertThat(c.cmd("MAIL FROM:<a@example.org> SIZE=10 BODY=8BITMIME")).startsWith("250 2.1.0");
            assertThat(c.cmd("RCPT TO:<b@example.net> NOTIFY=NEVER")).startsWith("250 2.1.5");
            assertThat(c.cmd("DATA")).startsWith("354");
            // Smuggling attempts ("\n.\n", "\n.\r\n") are content; "..x" is unstuffed.
            assertThat(c.cmd("a\n.\nb\r\n..x\r\n.y\r\nc\n.\r\nd\r\n.")).startsWith("250 2.0.0");
            assertThat(c.cmd("QUIT")).startsWith("221");
        }
        ReceivedMessage m = sink.await(1, Duration.ofSeconds(5));
        assertThat(m.text()).isEqualTo("a\n.\nb\r\n.x\r\ny\r\nc\n.\r\nd\r\n");
        assertThat(m.heloName()).isEqualTo("raw.test");
        assertThat(m.mailParams()).containsExactly("SIZE=10", "BODY=8BITMIME");
        assertThat(m.rcptParams()).containsExactly(List.of("NOTIFY=NEVER"));
        assertThat(m.pipelined()).isFalse();
        assertThat(m.chunked()).isFalse();
    }

    @Test
    void pipelinedBatchIsAnsweredInOrderAndRecorded() throws Exception {
        List<ReceivedMessage> seen = new CopyOnWriteArrayList<>();
        try (Raw c = open(SinkSettings.defaults().withBehaviour(new Behaviour() {
            @Override
            public SmtpReply onRcpt(String to, List<String> params) {
                return to.startsWith("x") ? SmtpReply.of(550, "5.1.1", "no") : Behaviour.super.onRcpt(to, params);
            }
        }))) {
            sink.onMessage(seen::add);
            c.cmd("EHLO raw.test");
            c.write("MAIL FROM:<>\r\nRCPT TO:<a@example.net>\r\nRCPT TO:<x@example.net>\r\nDATA\r\n");
            assertThat(c.reply()).startsWith("250 2.1.0");
            assertThat(c.reply()).startsWith("250 2.1.5");
            assertThat(c.reply()).startsWith("550 5.1.1");
            assertThat(c.reply()).startsWith("354");
            assertThat(c.cmd("hi\r\n.")).startsWith("250");
        }
        assertThat(seen).hasSize(1);
        assertThat(seen.getFirst().pipelined()).isTrue();
        assertThat(seen.getFirst().mailFrom()).isEmpty();
        assertThat(seen.getFirst().rcptTo()).containsExactly("a@example.net");
    }

    @Test
    void sequenceAndSyntaxErrors() throws Exception {
        try (Raw c = open(SinkSettings.defaults())) {
            assertThat(c.cmd("MAIL FROM:<a@example.org>")).startsWith("503 5.5.1");
            assertThat(c.cmd("EHLO")).startsWith("501");
            c.write("EHLO bare.lf\n");
            assertThat(c.reply()).startsWith("500 5.5.2");
            assertThat(c.cmd("HELO raw.test")).isEqualTo("250 sink.localhost");
            assertThat(c.cmd("MAIL FROM: <a@example.org>")).startsWith("501 5.5.4");
            assertThat(c.cmd("RCPT TO:<b@example.net>")).startsWith("503");
            assertThat(c.cmd("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(c.cmd("MAIL FROM:<a@example.org>")).startsWith("503"); // nested
            assertThat(c.cmd("DATA")).startsWith("554 5.5.1"); // no valid recipients
            c.write("BDAT 3 LAST\r\nabc"); // not offered, but the octets are still consumed
            assertThat(c.reply()).startsWith("502");
            assertThat(c.cmd("NOOP")).startsWith("250");
        }
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void rsetNoopAndUnknown() throws Exception {
        try (Raw c = open(SinkSettings.defaults())) {
            c.cmd("EHLO raw.test");
            assertThat(c.cmd("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(c.cmd("RSET")).startsWith("250 2.0.0");
            assertThat(c.cmd("MAIL FROM:<a@example.org>")).startsWith("250");
            assertThat(c.cmd("NOOP")).startsWith("250");
            assertThat(c.cmd("VRFY x")).startsWith("500 5.5.2");
        }
    }

    @Test
    void withoutEnhancedStatusCodesNoneGoOnTheWire() throws Exception {
        try (Raw c = open(SinkSettings.minimal())) {
            String ehlo = c.cmd("EHLO raw.test");
            assertThat(ehlo).isEqualTo("250 sink.localhost greets raw.test");
            assertThat(c.cmd("MAIL FROM:<a@example.org>")).isEqualTo("250 sender <a@example.org> ok");
        }
    }

    @Test
    void sizeLimit() throws Exception {
        try (Raw c = open(SinkSettings.defaults().withMaxSize(10))) {
            assertThat(c.cmd("EHLO raw.test")).contains("250-SIZE 10");
            assertThat(c.cmd("MAIL FROM:<a@example.org> SIZE=11")).startsWith("552 5.3.4");
            assertThat(c.cmd("MAIL FROM:<a@example.org> SIZE=5")).startsWith("250");
            c.cmd("RCPT TO:<b@example.net>");
            c.cmd("DATA");
            assertThat(c.cmd("0123456789abc\r\n.")).startsWith("552 5.3.4");
            // The session goes on after the refused message.
            assertThat(c.cmd("MAIL FROM:<a@example.org>")).startsWith("250");
        }
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void bdatChunksAreRecordedRaw() throws Exception {
        try (Raw c = open(SinkSettings.defaults().withChunking(true))) {
            assertThat(c.cmd("EHLO raw.test")).contains("CHUNKING", "BINARYMIME");
            c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME");
            c.cmd("RCPT TO:<b@example.net>");
            c.write("BDAT 7\r\nhe\r\n.\r\n"); // 7 octets that would end DATA: BDAT counts, it does not look
            assertThat(c.reply()).startsWith("250 2.0.0");
            c.write("BDAT 2 LAST\r\nzz");
            assertThat(c.reply()).startsWith("250 2.0.0");
            assertThat(c.cmd("DATA")).startsWith("503"); // no transaction any more
        }
        ReceivedMessage m = sink.messages().getFirst();
        assertThat(m.chunked()).isTrue();
        assertThat(m.text()).isEqualTo("he\r\n.\r\nzz");
    }

    @Test
    void authPlainWithContinuationRecordsTheUser() throws Exception {
        try (Raw c = open(SinkSettings.defaults().withAuthWithoutTls(true))) {
            assertThat(c.cmd("EHLO raw.test")).contains("AUTH PLAIN");
            assertThat(c.cmd("AUTH PLAIN")).isEqualTo("334 ");
            String token = Base64.getEncoder().encodeToString("\0carol\0pw".getBytes(StandardCharsets.UTF_8));
            assertThat(c.cmd(token)).startsWith("235 2.7.0");
            assertThat(c.cmd("AUTH PLAIN " + token)).startsWith("503");
            c.cmd("MAIL FROM:<carol@example.org>");
            c.cmd("RCPT TO:<b@example.net>");
            c.cmd("DATA");
            c.cmd(".");
        }
        assertThat(sink.messages().getFirst().authUser()).isEqualTo("carol");
        assertThat(sink.messages().getFirst().text()).isEmpty();
    }

    @Test
    void authNotOfferedInPlaintextByDefault() throws Exception {
        try (Raw c = open(SinkSettings.defaults())) {
            assertThat(c.cmd("EHLO raw.test")).doesNotContain("AUTH");
            assertThat(c.cmd("AUTH PLAIN AGNhcm9sAHB3")).startsWith("503");
        }
    }

    @Test
    void startTlsDiscardsPipelinedPlaintextAndResetsTheSession() throws Exception {
        TestTls tls = TestTls.get();
        try (Raw c = open(SinkSettings.defaults().withStartTls(tls.server))) {
            assertThat(c.cmd("EHLO raw.test")).contains("STARTTLS").doesNotContain("AUTH");
            c.write("STARTTLS\r\nNOOP\r\n"); // the NOOP must not be answered (RFC 3207 4.2)
            assertThat(c.reply()).startsWith("220 2.0.0");
            SSLSocket ssl = (SSLSocket) tls.client.getSocketFactory().createSocket(c.socket, "localhost", c.socket.getPort(), true);
            ssl.startHandshake();
            c.socket = ssl;
            c.in = ssl.getInputStream();
            c.out = ssl.getOutputStream();
            assertThat(c.cmd("MAIL FROM:<a@example.org>")).startsWith("503"); // EHLO again first
            String ehlo = c.cmd("EHLO raw.test");
            assertThat(ehlo).startsWith("250-sink.localhost").contains("AUTH PLAIN").doesNotContain("STARTTLS");
            c.cmd("MAIL FROM:<a@example.org>");
            c.cmd("RCPT TO:<b@example.net>");
            c.cmd("DATA");
            assertThat(c.cmd("secret\r\n.")).startsWith("250");
        }
        assertThat(sink.messages().getFirst().tls()).isTrue();
    }

    @Test
    void refusingGreetingClosesTheConnection() throws Exception {
        sink = SinkServer.start(SinkSettings.defaults().withBehaviour(new Behaviour() {
            @Override
            public SmtpReply onConnect(String hostname) {
                return SmtpReply.of(554, "5.3.2", "not accepting mail");
            }
        }));
        try (Raw c = new Raw(sink)) {
            assertThat(c.reply()).isEqualTo("554 5.3.2 not accepting mail");
            assertThat(c.in.read()).isEqualTo(-1);
        }
    }

    @Test
    void awaitTimesOut() throws Exception {
        sink = SinkServer.start(SinkSettings.defaults());
        assertThat(sink.port()).isPositive();
        assertThatThrownBy(() -> sink.awaitCount(1, Duration.ofMillis(50))).isInstanceOf(TimeoutException.class);
    }
}
