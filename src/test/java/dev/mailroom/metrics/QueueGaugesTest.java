package dev.mailroom.metrics;

import static dev.mailroom.it.SmtpTestClient.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.MailroomFixture;
import dev.mailroom.it.SmtpTestClient;
import dev.mailroom.queue.ControlAnswer;
import dev.mailroom.queue.ControlClient;
import dev.mailroom.queue.ControlRequest;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mailroom_queue_messages by state over real HTTP, while the smarthost is down (every attempt deferred with a
 * 4xx, the next one two minutes away: beyond the scheduler's memory) and the operator holds a message.
 */
class QueueGaugesTest {
    private static final Pattern GAUGE = Pattern.compile("mailroom_queue_messages\\{state=\"(\\w+)\"} (\\S+)");

    @TempDir
    Path dir;
    MailroomFixture fx;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens there once closed: connection refused, deferred
        }
        fx = MailroomFixture.startWithRelayPort(dir, closed, 120, "\n[admin]\nlisten = \"127.0.0.1:0\"\n");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void deferredAndHeldMessagesAreCountedBesideTheActiveOnes() throws Exception {
        assertThat(queueGauges()).isEqualTo(Map.of("active", 0, "deferred", 0, "held", 0));

        String first = submit();
        awaitGauges(Map.of("active", 0, "deferred", 1, "held", 0));
        String second = submit();
        awaitGauges(Map.of("active", 0, "deferred", 2, "held", 0));

        // What `mailroom queue hold ID` sends to the running server.
        ControlAnswer held = ControlClient.send(dir.resolve("data/spool"), ControlRequest.Operation.HOLD, second,
                Duration.ofSeconds(10));
        assertThat(held.status()).isEqualTo(ControlAnswer.Status.OK);
        assertThat(queueGauges()).isEqualTo(Map.of("active", 0, "deferred", 1, "held", 1));

        // Released, it is tried at once, refused again and deferred with the other.
        assertThat(ControlClient.send(dir.resolve("data/spool"), ControlRequest.Operation.RELEASE, second,
                Duration.ofSeconds(10)).status()).isEqualTo(ControlAnswer.Status.OK);
        awaitGauges(Map.of("active", 0, "deferred", 2, "held", 0));
        assertThat(first).isNotEqualTo(second);
    }

    private String submit() throws Exception {
        try (SmtpTestClient c = fx.aliceSession()) {
            expect(c.cmd("MAIL FROM:<" + MailroomFixture.ALICE + ">"), 250);
            expect(c.cmd("RCPT TO:<carol@remote.example>"), 250);
            expect(c.cmd("DATA"), 354);
            String reply = expect(c.cmd("From: " + MailroomFixture.ALICE + "\r\nSubject: later\r\n\r\nbody\r\n."), 250)
                    .first();
            expect(c.cmd("QUIT"), 221);
            return reply.replaceAll(".*queued as ([0-9A-Z]+).*", "$1");
        }
    }

    private void awaitGauges(Map<String, Integer> expected) throws Exception {
        Map<String, Integer> now = queueGauges();
        for (int i = 0; i < 200 && !now.equals(expected); i++) {
            Thread.sleep(50);
            now = queueGauges();
        }
        assertThat(now).isEqualTo(expected);
    }

    private Map<String, Integer> queueGauges() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + fx.server.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Integer> gauges = new LinkedHashMap<>();
        Matcher m = GAUGE.matcher(r.body());
        while (m.find()) {
            gauges.put(m.group(1), (int) Double.parseDouble(m.group(2)));
        }
        return gauges;
    }
}
