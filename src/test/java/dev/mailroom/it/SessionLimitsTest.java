package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import dev.mailroom.sink.SinkServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Connection limits (SMTP-40) and the idle timeout (SMTP-36, shortened to one second). */
class SessionLimitsTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.start(dir, SinkServer.SinkSettings.defaults(),
                "\n[limits]\ncommand_timeout_seconds = 1\nmax_connections_per_client = 2\n");
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    /** Connects from a loopback address of its own, so no other test's connection counts against it. */
    private static Socket from(String local) throws Exception {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), mr.trusted()));
        s.setSoTimeout(5000);
        return s;
    }

    private static BufferedReader reader(Socket s) throws Exception {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    @Test
    void SMTP_40_anExtraConnectionFromTheSameClientGets421() throws Exception {
        try (Socket a = from("127.0.0.7"); Socket b = from("127.0.0.7"); Socket other = from("127.0.0.8")) {
            assertThat(reader(a).readLine()).startsWith("220 ");
            assertThat(reader(b).readLine()).startsWith("220 ");
            assertThat(reader(other).readLine()).startsWith("220 ");
            try (Socket extra = from("127.0.0.7")) {
                BufferedReader r = reader(extra);
                assertThat(r.readLine()).startsWith("421 4.7.0 ");
                assertThat(r.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void SMTP_36_idleSessionGets421AfterTheTimeout() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(mr.trusted())) {
            SmtpTestClient.expect(c.read(), 220);
            long start = System.nanoTime();
            c.setTimeout(5000);
            expect(c.read(), 421, "4.4.2");
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(800);
            assertThat(c.isClosedByServer()).isTrue();
        }
    }

    @Test
    void theTimeoutIsLoggedWithTheSessionAndTheQueueIdOfItsLastMessage() throws Exception {
        LogCorrelationTest.Recorder log = new LogCorrelationTest.Recorder();
        Logger events = (Logger) LoggerFactory.getLogger("mailroom.events");
        log.start();
        events.addAppender(log);
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            SmtpTestClient.Reply reply = c.cmd("From: a@example.com\r\nSubject: idle after\r\n\r\nbody\r\n.");
            expect(reply, 250, "2.0.0");
            String queueId = reply.first().substring(reply.first().lastIndexOf(' ') + 1).strip();
            c.setTimeout(5000);
            expect(c.read(), 421, "4.4.2"); // idle after the message, inside the session
            String accepted = log.await(t -> t.startsWith("event=accepted ") && t.contains(" queue=" + queueId)).text();
            String session = accepted.split(" ")[1]; // session=…, right after event=
            assertThat(session).startsWith("session=");
            assertThat(log.await(t -> t.startsWith("event=timeout " + session + " ")).text())
                    .isEqualTo("event=timeout " + session + " queue=" + queueId);
        } finally {
            events.detachAppender(log);
        }
    }

    @Test
    void SMTP_36_idleInsideDataGets421Too() throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<a@example.com>"), 250, "2.1.0");
            expect(c.cmd("RCPT TO:<b@remote.example>"), 250, "2.1.5");
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write("From: a@example.com\r\n");
            c.setTimeout(5000);
            expect(c.read(), 421, "4.4.2");
            assertThat(c.isClosedByServer()).isTrue();
        }
        Wire.awaitEmptySpool(mr);
    }
}
