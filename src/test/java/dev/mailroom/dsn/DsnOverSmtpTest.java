package dev.mailroom.dsn;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.message.EightBitDowngrade;
import dev.mailroom.sink.ReceivedMessage;
import dev.mailroom.sink.SinkServer;
import dev.mailroom.sink.SinkServer.SinkSettings;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.client.Capabilities;
import dev.mailroom.smtp.client.MessageSource;
import dev.mailroom.smtp.client.SmtpClient;
import dev.mailroom.smtp.client.SmtpClient.ClientSettings;
import dev.mailroom.smtp.client.TransactionResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.SingleBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DSN as the queue will send it: built, downgraded when the next hop lacks 8BITMIME, and sent with the
 * project's SMTP client to a real SMTP sink on loopback.
 */
class DsnOverSmtpTest {

    static final Instant NOW = Instant.parse("2024-03-05T10:15:30Z");
    static final Mailbox ALICE = new Mailbox("alice", "example.com");
    static final byte[] EIGHT_BIT_ORIGINAL = ("From: alice@example.com\r\nTo: bob@remote.example\r\nSubject: greetings\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "Viele Grüße aus Köln.\r\n").getBytes(UTF_8);

    @TempDir
    Path spill;

    Dsn bounce() throws Exception {
        Recipient bob = new Recipient(new Mailbox("bob", "remote.example"), null, "rfc822;bob@remote.example");
        MailParameters params = new MailParameters(BodyType.EIGHT_BIT_MIME, false, -1, DsnRet.FULL, "ID+2B1", null, false);
        OriginalMessage original = new OriginalMessage(new Envelope(ALICE, params, List.of(bob)), NOW.minusSeconds(600),
                EIGHT_BIT_ORIGINAL.length, () -> new ByteArrayInputStream(EIGHT_BIT_ORIGINAL));
        RecipientReport failed = RecipientReport.failed(bob, SmtpReply.of(550, "5.1.1", "no such user"),
                "mx.remote.example", NOW);
        return new DsnBuilder(DsnSettings.of("mx.example.org"), Clock.fixed(NOW, ZoneOffset.UTC))
                .build(original, List.of(failed));
    }

    /** What the queue does: send as is, or downgrade first when the next hop lacks 8BITMIME. */
    ReceivedMessage send(Dsn dsn, SinkSettings settings) throws Exception {
        byte[] dsnBytes = dsn.toBytes();
        byte[] content = dsnBytes;
        try (SinkServer sink = SinkServer.start(settings)) {
            try (SmtpClient client = SmtpClient.connect(sink.address(), ClientSettings.defaults("mx.example.org"))) {
                Capabilities caps = client.ehlo();
                if (dsn.envelope().parameters().body() == BodyType.EIGHT_BIT_MIME && !caps.has("8BITMIME")) {
                    ByteArrayOutputStream sevenBit = new ByteArrayOutputStream();
                    new EightBitDowngrade(spill).downgrade(() -> new ByteArrayInputStream(dsnBytes), sevenBit);
                    content = sevenBit.toByteArray();
                }
                TransactionResult result = client.send(dsn.envelope(), MessageSource.of(content));
                assertThat(result.accepted(0)).isTrue();
                client.quit();
            }
            return sink.await(1, Duration.ofSeconds(10));
        }
    }

    @Test
    void bounceGoesFromTheNullReversePathToTheSender() throws Exception {
        Dsn dsn = bounce();
        ReceivedMessage m = send(dsn, SinkSettings.defaults());
        assertThat(m.mailFrom()).isEmpty();
        assertThat(m.rcptTo()).containsExactly("alice@example.com");
        // The returned original is 8-bit, so the DSN declares BODY=8BITMIME where the server offers it.
        assertThat(m.mailParams()).contains("BODY=8BITMIME");
        assertThat(m.data()).isEqualTo(dsn.toBytes());
    }

    @Test
    void bounceOfAnEightBitMessageIsDowngradedForASevenBitServer() throws Exception {
        ReceivedMessage m = send(bounce(), SinkSettings.defaults().with8bitmime(false));
        assertThat(m.mailFrom()).isEmpty();
        assertThat(m.mailParams()).noneMatch(p -> p.startsWith("BODY"));
        for (byte b : m.data()) {
            assertThat(b).isGreaterThanOrEqualTo((byte) 0);
        }
        ParsedDsn parsed = new ParsedDsn(m.data());
        assertThat(parsed.parts).extracting(Entity::getMimeType)
                .containsExactly("text/plain", "message/delivery-status", "message/rfc822");
        assertThat(ParsedDsn.field(parsed.statusBlocks().get(1), "Diagnostic-Code")).isEqualTo("smtp; 550 5.1.1 no such user");
        Entity returned = parsed.parts.get(2);
        assertThat(returned.getContentTransferEncoding()).isEqualTo("7bit");
        Message inner = (Message) returned.getBody();
        assertThat(inner.getContentTransferEncoding()).isEqualTo("quoted-printable");
        try (InputStream in = ((SingleBody) inner.getBody()).getInputStream()) {
            assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("Viele Grüße aus Köln.\r\n");
        }
    }
}
