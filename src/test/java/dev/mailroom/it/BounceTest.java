package dev.mailroom.it;

import static dev.mailroom.it.Wire.expect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.sink.Behaviour;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer.SinkSettings;
import dev.mailroom.smtp.SmtpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery status notifications from the queue (RFC 3464, RFC 3461): the smarthost sink refuses some recipients
 * for good and defers others; the notices come back through the same smarthost, addressed to the sender from the
 * null reverse path, and are parsed here field by field.
 */
class BounceTest {
    @TempDir
    Path dir;

    private MailroomFixture mr;

    /** nobody@ is refused for good, slow@ deferred for ever, everyone else accepted. */
    private static final Behaviour REFUSING = new Behaviour() {
        @Override
        public SmtpReply onRcpt(String to, List<String> params) {
            if (to.startsWith("nobody@")) {
                return SmtpReply.of(550, "5.1.1", "no such user here");
            }
            if (to.startsWith("slow@")) {
                return SmtpReply.of(451, "4.2.1", "mailbox busy, try later");
            }
            return SmtpReply.of(250, "2.1.5", "ok");
        }
    };

    @AfterEach
    void tearDown() {
        if (mr != null) {
            mr.close();
        }
    }

    private void start(String extra) throws Exception {
        mr = MailroomFixture.start(dir, SinkSettings.defaults().withBehaviour(REFUSING), extra);
    }

    private void send(String from, String marker, String... rcpts) throws Exception {
        try (SmtpTestClient c = Wire.plainSession(mr.trusted())) {
            expect(c.cmd("MAIL FROM:<" + from + "> ENVID=env+2Bid-" + marker), 250, "2.1.0");
            for (String r : rcpts) {
                expect(c.cmd("RCPT TO:" + r), 250, "2.1.5");
            }
            SmtpTestClient.expect(c.cmd("DATA"), 354);
            c.write(Wire.message(marker) + ".\r\n");
            expect(c.read(), 250, "2.0.0");
        }
    }

    private ReceivedMessage awaitNotice(String marker) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            for (ReceivedMessage m : mr.sink.messages()) {
                if (m.mailFrom().isEmpty() && m.text().contains(marker)) {
                    return m;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no notice about " + marker);
    }

    private static String part(Message dsn, int index) throws Exception {
        Multipart mp = (Multipart) dsn.getBody();
        SingleBody body = (SingleBody) mp.getBodyParts().get(index).getBody();
        return new String(body.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aRecipientRefusedFor5xxBouncesToTheSenderWithEveryField() throws Exception {
        start("");
        String marker = Wire.marker();
        send("a@example.com", marker, "<ok@remote.example>",
                "<nobody@remote.example> NOTIFY=FAILURE ORCPT=rfc822;Nobody+40Remote.example");
        ReceivedMessage notice = awaitNotice(marker);
        assertThat(notice.rcptTo()).containsExactly("a@example.com");
        Message dsn = new DefaultMessageBuilder().parseMessage(new java.io.ByteArrayInputStream(notice.data()));
        assertThat(dsn.getMimeType()).isEqualTo("multipart/report");
        assertThat(dsn.getHeader().getField("Auto-Submitted").getBody()).isEqualTo("auto-replied");
        String status = part(dsn, 1);
        assertThat(status).contains("Reporting-MTA: dns; mail.example.com")
                .contains("Original-Envelope-Id: env+id-" + marker) // xtext decoded (RFC 3461 section 4.4)
                .contains("Original-Recipient: rfc822;Nobody@Remote.example")
                .contains("Final-Recipient: rfc822; nobody@remote.example")
                .contains("Action: failed")
                .contains("Status: 5.1.1")
                .contains("Remote-MTA: dns; 127.0.0.1")
                .contains("Diagnostic-Code: smtp; 550 5.1.1 no such user here")
                .doesNotContain("ok@remote.example"); // delivered recipients are not in a failure notice
        Wire.awaitEmptySpool(mr);
    }

    @Test
    void notifyNeverMeansNoNoticeAndABounceOfABounceIsOnlyLogged() throws Exception {
        start("");
        String never = Wire.marker();
        send("a@example.com", never, "<nobody@remote.example> NOTIFY=NEVER");
        String nullSender = Wire.marker();
        send("", nullSender, "<nobody@remote.example>");
        Wire.sendGood(mr); // everything queued before has been tried
        Wire.awaitEmptySpool(mr);
        assertThat(mr.sink.messages()).noneMatch(m -> m.mailFrom().isEmpty()
                && (m.text().contains(never) || m.text().contains(nullSender)));
    }

    @Test
    void aMessageStillWaitingAfterTheDelayTimeGetsOneDelayNotice() throws Exception {
        start("\n[delivery]\ndelay_notice_seconds = 1\n");
        String marker = Wire.marker();
        send("a@example.com", marker, "<slow@remote.example>");
        ReceivedMessage notice = awaitNotice(marker);
        Message dsn = new DefaultMessageBuilder().parseMessage(new java.io.ByteArrayInputStream(notice.data()));
        assertThat(dsn.getSubject()).containsIgnoringCase("delayed");
        assertThat(part(dsn, 1)).contains("Action: delayed").contains("Status: 4.2.1").contains("Will-Retry-Until:");
        Thread.sleep(3000); // more retries happen meanwhile (retry_max_seconds = 2): still one notice
        assertThat(mr.sink.messages().stream().filter(m -> m.mailFrom().isEmpty() && m.text().contains(marker)))
                .hasSize(1);
    }

    @Test
    void notifySuccessThroughAHopWithoutDsnGetsARelayedNoticeAndThroughAHopWithDsnNone() throws Exception {
        mr = MailroomFixture.start(dir, SinkSettings.defaults().withDsn(false).withBehaviour(REFUSING), "");
        String marker = Wire.marker();
        send("a@example.com", marker, "<ok@remote.example> NOTIFY=SUCCESS,FAILURE");
        ReceivedMessage notice = awaitNotice(marker);
        Message dsn = new DefaultMessageBuilder().parseMessage(new java.io.ByteArrayInputStream(notice.data()));
        assertThat(part(dsn, 1)).contains("Action: relayed").contains("Status: 2.");
        mr.close();
        mr = null;

        Path other = java.nio.file.Files.createDirectories(dir.resolve("with-dsn"));
        mr = MailroomFixture.start(other, SinkSettings.defaults().withBehaviour(REFUSING), "");
        String second = Wire.marker();
        send("a@example.com", second, "<ok@remote.example> NOTIFY=SUCCESS");
        ReceivedMessage relayed = Wire.awaitMarker(mr, second);
        assertThat(relayed.rcptParams().getFirst()).contains("NOTIFY=SUCCESS"); // the next hop reports
        Wire.sendGood(mr);
        Wire.awaitEmptySpool(mr);
        assertThat(mr.sink.messages()).noneMatch(m -> m.mailFrom().isEmpty() && m.text().contains(second));
    }

    @Test
    void theOperatorsBounceReturnsTheMessageAtOnce() throws Exception {
        start("");
        String marker = Wire.marker();
        send("a@example.com", marker, "<slow@remote.example>");
        String id;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            List<String> ids = mr.server.scheduler() == null ? List.of() : listQueue();
            if (!ids.isEmpty()) {
                id = ids.getFirst();
                break;
            }
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(mr.server.scheduler().bounce(id)).isTrue();
        ReceivedMessage notice = awaitNotice(marker);
        assertThat(new String(notice.data(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("Action: failed").contains("Status: 5.0.0");
        Wire.awaitEmptySpool(mr);
    }

    private List<String> listQueue() throws Exception {
        try (var files = java.nio.file.Files.list(mr.spoolQueue())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.contains(".")).toList();
        }
    }
}
