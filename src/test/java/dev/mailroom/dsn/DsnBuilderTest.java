package dev.mailroom.dsn;

import static dev.mailroom.dsn.ParsedDsn.field;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.smtp.SmtpReply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Header;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.TextBody;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class DsnBuilderTest {

    static final Instant NOW = Instant.parse("2024-03-05T10:15:30Z");
    static final Instant ARRIVAL = Instant.parse("2024-03-04T08:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final Mailbox ALICE = new Mailbox("alice", "example.com");
    static final Mailbox BOB = new Mailbox("bob", "remote.example");
    static final Mailbox CAROL = new Mailbox("carol", "remote.example");

    static final String HEADER_SECTION = "Received: from a by b; Mon, 4 Mar 2024 08:00:00 +0000\r\n"
            + "From: Alice <alice@example.com>\r\n"
            + "To: bob@remote.example\r\n"
            + "Subject: quarterly figures\r\n"
            + "Message-ID: <m1@example.com>\r\n";
    static final String ORIGINAL = HEADER_SECTION + "\r\nHello Bob,\r\nthe figures.\r\n";

    static final SmtpReply USER_UNKNOWN = new SmtpReply(550, "5.1.1",
            List.of("<bob@remote.example>: Recipient address rejected:", "User unknown in virtual mailbox table"));

    final DsnBuilder builder = new DsnBuilder(DsnSettings.of("mx.example.org"), CLOCK);

    static MailParameters params(DsnRet ret, String envid) {
        return new MailParameters(null, false, -1, ret, envid, null, false);
    }

    static OriginalMessage original(MailParameters params, byte[] content, Recipient... rcpts) {
        Envelope envelope = new Envelope(ALICE, params, List.of(rcpts));
        return new OriginalMessage(envelope, ARRIVAL, content.length, () -> new ByteArrayInputStream(content));
    }

    static OriginalMessage original(MailParameters params, Recipient... rcpts) {
        return original(params, ORIGINAL.getBytes(UTF_8), rcpts);
    }

    static Recipient bob() {
        return new Recipient(BOB, "FAILURE,DELAY", "rfc822;bob+2Bfigures@remote.example");
    }

    static RecipientReport bobFailed(Recipient bob) {
        return RecipientReport.failed(bob, USER_UNKNOWN, "mx.remote.example", NOW.minusSeconds(60));
    }

    ParsedDsn build(OriginalMessage original, RecipientReport... reports) throws IOException {
        Dsn dsn = builder.build(original, List.of(reports));
        return new ParsedDsn(dsn.toBytes());
    }

    @Nested
    class Structure {
        @Test
        void multipartReportWithTheThreePartsAndTheNoticeHeaders() throws Exception {
            Recipient bob = bob();
            ParsedDsn dsn = build(original(params(DsnRet.FULL, "Q+2B1"), bob), bobFailed(bob));

            assertThat(dsn.message.getMimeType()).isEqualTo("multipart/report");
            assertThat(dsn.contentType().getParameter("report-type")).isEqualTo("delivery-status");
            assertThat(dsn.parts).extracting(Entity::getMimeType)
                    .containsExactly("text/plain", "message/delivery-status", "message/rfc822");
            assertThat(dsn.header("From")).isEqualTo("\"Mail Delivery System\" <MAILER-DAEMON@mx.example.org>");
            assertThat(dsn.header("To")).isEqualTo("alice@example.com");
            assertThat(dsn.header("Subject")).isEqualTo("Undelivered Mail Returned to Sender");
            assertThat(dsn.header("Date")).isEqualTo("Tue, 5 Mar 2024 10:15:30 +0000");
            assertThat(dsn.header("Message-ID")).matches("<[0-9a-z]+\\.[0-9A-Za-z]{12}@mx\\.example\\.org>");
            assertThat(dsn.header("MIME-Version")).isEqualTo("1.0");
            assertThat(dsn.header("Auto-Submitted")).isEqualTo("auto-replied");
        }

        @Test
        void everyLineEndsInCrlfAndNoLineIsLong() throws Exception {
            Recipient bob = bob();
            byte[] raw = builder.build(original(params(DsnRet.FULL, null), bob), List.of(bobFailed(bob))).toBytes();
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == '\n') {
                    assertThat(raw[i - 1]).as("byte before LF at %d", i).isEqualTo((byte) '\r');
                }
                if (raw[i] == '\r') {
                    assertThat(raw[i + 1]).as("byte after CR at %d", i).isEqualTo((byte) '\n');
                }
            }
            for (String line : new String(raw, UTF_8).split("\r\n")) {
                assertThat(line.length()).isLessThanOrEqualTo(998);
            }
        }

        @Test
        void theDsnEnvelopeHasTheNullReversePathAndGoesToTheSender() throws Exception {
            Recipient bob = bob();
            Dsn dsn = builder.build(original(params(DsnRet.HDRS, null), bob), List.of(bobFailed(bob)));
            assertThat(dsn.envelope().reversePath()).isNull();
            assertThat(dsn.envelope().recipients()).extracting(Recipient::mailbox).containsExactly(ALICE);
            assertThat(dsn.envelope().parameters().body()).isNull();
            assertThat(dsn.envelope().parameters().smtputf8()).isFalse();
            assertThat(dsn.kind()).isEqualTo(NotificationKind.FAILURE);
            assertThat(dsn.global()).isFalse();
        }

        @Test
        void requireTlsOfTheOriginalIsKeptForTheDsn() throws Exception {
            Recipient bob = bob();
            MailParameters tlsOnly = new MailParameters(null, false, -1, DsnRet.HDRS, null, null, true);
            Dsn dsn = builder.build(original(tlsOnly, bob), List.of(bobFailed(bob)));
            assertThat(dsn.envelope().parameters().requireTls()).isTrue();
            assertThat(builder.build(original(MailParameters.NONE, bob), List.of(bobFailed(bob)))
                    .envelope().parameters().requireTls()).isFalse();
        }

        @Test
        void humanReadablePartNamesEachRecipientAndQuotesTheReply() throws Exception {
            Recipient bob = bob();
            ParsedDsn dsn = build(original(params(DsnRet.FULL, null), bob), bobFailed(bob));
            assertThat(dsn.parts.get(0).getCharset()).isEqualTo("us-ascii");
            assertThat(dsn.text(0))
                    .contains("This is the mail system at mx.example.org.")
                    .contains("could not be delivered")
                    .contains("<bob@remote.example>: delivery failed (status 5.1.1)")
                    .contains("mx.remote.example said: 550-5.1.1 <bob@remote.example>: Recipient address rejected:"
                            + " 550 5.1.1 User unknown in virtual mailbox table")
                    .contains("The message is attached.");
        }

        @Test
        void nullReversePathGetsNoDsn() {
            Envelope fromNull = new Envelope(null, MailParameters.NONE, List.of(bob()));
            OriginalMessage original = new OriginalMessage(fromNull, ARRIVAL, 10, () -> new ByteArrayInputStream(new byte[10]));
            assertThatThrownBy(() -> builder.build(original, List.of(bobFailed(bob()))))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void doubleBounceGoesToThePostmaster() throws Exception {
            Envelope fromNull = new Envelope(null, MailParameters.NONE, List.of(bob()));
            byte[] bounce = ORIGINAL.getBytes(UTF_8);
            OriginalMessage original = new OriginalMessage(fromNull, ARRIVAL, bounce.length, () -> new ByteArrayInputStream(bounce));
            Mailbox postmaster = new Mailbox("postmaster", "example.org");
            Dsn dsn = builder.buildForPostmaster(original, List.of(bobFailed(bob())), postmaster);
            ParsedDsn parsed = new ParsedDsn(dsn.toBytes());
            assertThat(parsed.header("To")).isEqualTo("postmaster@example.org");
            assertThat(parsed.header("Subject")).isEqualTo("Postmaster Copy: Undelivered Mail Returned to Sender");
            assertThat(dsn.envelope().reversePath()).isNull();
            assertThat(dsn.envelope().recipients()).extracting(Recipient::mailbox).containsExactly(postmaster);
        }

        @Test
        void noReportNoDsn() {
            assertThatThrownBy(() -> builder.build(original(MailParameters.NONE, bob()), List.of()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class DeliveryStatusFields {
        @Test
        void perMessageFields() throws Exception {
            Recipient bob = bob();
            List<Header> blocks = build(original(params(DsnRet.FULL, "QUEUE+2B42+3Dx"), bob), bobFailed(bob)).statusBlocks();
            Header perMessage = blocks.getFirst();
            // The ENVID is returned decoded from its xtext, case kept (RFC 3464 2.2.1).
            assertThat(field(perMessage, "Original-Envelope-Id")).isEqualTo("QUEUE+42=x");
            assertThat(field(perMessage, "Reporting-MTA")).isEqualTo("dns; mx.example.org");
            assertThat(field(perMessage, "Arrival-Date")).isEqualTo("Mon, 4 Mar 2024 08:00:00 +0000");
        }

        @Test
        void perRecipientFieldsOfAFailure() throws Exception {
            Recipient bob = bob();
            List<Header> blocks = build(original(params(DsnRet.FULL, null), bob), bobFailed(bob)).statusBlocks();
            assertThat(blocks).hasSize(2);
            Header r = blocks.get(1);
            // ORCPT is stored as received (rfc822;bob+2Bfigures@...); the report carries it decoded.
            assertThat(field(r, "Original-Recipient")).isEqualTo("rfc822;bob+figures@remote.example");
            assertThat(field(r, "Final-Recipient")).isEqualTo("rfc822; bob@remote.example");
            assertThat(field(r, "Action")).isEqualTo("failed");
            assertThat(field(r, "Status")).isEqualTo("5.1.1");
            assertThat(field(r, "Remote-MTA")).isEqualTo("dns; mx.remote.example");
            assertThat(field(r, "Diagnostic-Code")).isEqualTo("smtp; 550-5.1.1 <bob@remote.example>: Recipient"
                    + " address rejected: 550 5.1.1 User unknown in virtual mailbox table");
            assertThat(field(r, "Last-Attempt-Date")).isEqualTo("Tue, 5 Mar 2024 10:14:30 +0000");
            assertThat(field(r, "Will-Retry-Until")).isNull();
        }

        @Test
        void noEnvidNoOrcptNoReply() throws Exception {
            Recipient plain = Recipient.of(BOB);
            RecipientReport expired = RecipientReport.failed(plain, "5.4.7", "delivery time expired after 5 days", NOW);
            ParsedDsn dsn = build(original(MailParameters.NONE, plain), expired);
            List<Header> blocks = dsn.statusBlocks();
            assertThat(field(blocks.getFirst(), "Original-Envelope-Id")).isNull();
            Header r = blocks.get(1);
            assertThat(field(r, "Original-Recipient")).isNull();
            assertThat(field(r, "Remote-MTA")).isNull();
            assertThat(field(r, "Status")).isEqualTo("5.4.7");
            assertThat(field(r, "Diagnostic-Code")).isEqualTo("X-Mailroom; delivery time expired after 5 days");
            assertThat(dsn.text(0)).contains("delivery time expired after 5 days");
        }

        @Test
        void replyWithoutEnhancedCodeGivesTheClassStatus() throws Exception {
            Recipient plain = Recipient.of(BOB);
            SmtpReply old = SmtpReply.plain(554, "no thanks");
            List<Header> blocks = build(original(MailParameters.NONE, plain),
                    RecipientReport.failed(plain, old, "mx.remote.example", NOW)).statusBlocks();
            assertThat(field(blocks.get(1), "Status")).isEqualTo("5.0.0");
            assertThat(field(blocks.get(1), "Diagnostic-Code")).isEqualTo("smtp; 554 no thanks");
        }

        @Test
        void severalRecipientsWithMixedOutcomes() throws Exception {
            Recipient bob = bob();
            Recipient carol = new Recipient(CAROL, "SUCCESS,FAILURE", null);
            RecipientReport delivered = RecipientReport.succeeded(carol, DsnAction.DELIVERED,
                    SmtpReply.of(250, "2.0.0", "ok queued as 123"), "mx.remote.example", NOW);
            ParsedDsn dsn = build(original(params(DsnRet.HDRS, null), bob, carol), bobFailed(bob), delivered);
            List<Header> blocks = dsn.statusBlocks();
            assertThat(blocks).hasSize(3);
            assertThat(blocks.subList(1, 3)).extracting(b -> field(b, "Final-Recipient"))
                    .containsExactly("rfc822; bob@remote.example", "rfc822; carol@remote.example");
            assertThat(blocks.subList(1, 3)).extracting(b -> field(b, "Action")).containsExactly("failed", "delivered");
            assertThat(field(blocks.get(2), "Status")).isEqualTo("2.0.0");
            assertThat(dsn.header("Subject")).isEqualTo("Undelivered Mail Returned to Sender");
        }

        @Test
        void nonAsciiReplyTextIsEscapedInAnAsciiReport() throws Exception {
            Recipient plain = Recipient.of(BOB);
            SmtpReply reply = SmtpReply.of(550, "5.7.1", "refusé");
            ParsedDsn dsn = build(original(MailParameters.NONE, plain), RecipientReport.failed(plain, reply, "mx", NOW));
            assertThat(dsn.parts.get(1).getContentTransferEncoding()).isEqualTo("7bit");
            assertThat(field(dsn.statusBlocks().get(1), "Diagnostic-Code")).isEqualTo("smtp; 550 5.7.1 refus\\x{E9}");
            // The human-readable part keeps the text, encoded for a 7-bit path.
            assertThat(dsn.parts.get(0).getCharset()).isEqualTo("utf-8");
            assertThat(dsn.parts.get(0).getContentTransferEncoding()).isEqualTo("quoted-printable");
            assertThat(dsn.text(0)).contains("550 5.7.1 refusé");
        }

        @Test
        void longDiagnosticIsFoldedAndUnfoldsToTheReply() throws Exception {
            Recipient plain = Recipient.of(BOB);
            String text = "this server refuses the message because " + "of a very long reason ".repeat(8);
            SmtpReply reply = SmtpReply.of(554, "5.7.1", text.strip());
            ParsedDsn dsn = build(original(MailParameters.NONE, plain), RecipientReport.failed(plain, reply, "mx", NOW));
            assertThat(field(dsn.statusBlocks().get(1), "Diagnostic-Code")).isEqualTo("smtp; 554 5.7.1 " + text.strip());
            // Folded (RFC 5322 2.2.3) into lines of at most 78 characters.
            String raw = new String(dsn.raw, UTF_8);
            int start = raw.indexOf("Diagnostic-Code:");
            String folded = raw.substring(start, raw.indexOf("\r\nLast-Attempt-Date", start));
            assertThat(folded.split("\r\n")).hasSizeGreaterThan(2).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(78));
        }
    }

    @Nested
    class ReturnedOriginal {
        @Test
        void retFullReturnsTheMessageByteForByte() throws Exception {
            Recipient bob = bob();
            ParsedDsn dsn = build(original(params(DsnRet.FULL, null), bob), bobFailed(bob));
            Entity part = dsn.parts.get(2);
            assertThat(part.getMimeType()).isEqualTo("message/rfc822");
            assertThat(part.getContentTransferEncoding()).isEqualTo("7bit");
            Message returned = (Message) part.getBody();
            assertThat(returned.getSubject()).isEqualTo("quarterly figures");
            assertThat(returned.getMessageId()).isEqualTo("<m1@example.com>");
            try (var in = ((TextBody) returned.getBody()).getInputStream()) {
                assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("Hello Bob,\r\nthe figures.\r\n");
            }
            String boundary = dsn.contentType().getBoundary();
            assertThat(new String(dsn.raw, UTF_8)).contains("\r\n\r\n" + ORIGINAL + "\r\n--" + boundary + "--\r\n");
        }

        @Test
        void retHdrsReturnsTheHeaderSectionOnly() throws Exception {
            Recipient bob = bob();
            ParsedDsn dsn = build(original(params(DsnRet.HDRS, null), bob), bobFailed(bob));
            assertThat(dsn.parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
            assertThat(dsn.text(2)).isEqualTo(HEADER_SECTION);
            assertThat(dsn.text(0)).contains("header section is attached, as its sender asked (RET=HDRS)");
        }

        @Test
        void withoutRetOnlyTheHeadersGoBack() throws Exception {
            Recipient bob = bob();
            ParsedDsn dsn = build(original(MailParameters.NONE, bob), bobFailed(bob));
            assertThat(dsn.parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
            assertThat(dsn.text(2)).isEqualTo(HEADER_SECTION);
            assertThat(new String(dsn.raw, UTF_8)).doesNotContain("the figures.");
        }

        @Test
        void retFullAboveTheSizeCapFallsBackToHeaders() throws Exception {
            Recipient bob = bob();
            DsnBuilder capped = new DsnBuilder(new DsnSettings("mx.example.org", 100), CLOCK);
            byte[] big = (HEADER_SECTION + "\r\n" + "x".repeat(200) + "\r\n").getBytes(UTF_8);
            OriginalMessage original = original(params(DsnRet.FULL, null), big, bob);
            ParsedDsn dsn = new ParsedDsn(capped.build(original, List.of(bobFailed(bob))).toBytes());
            assertThat(dsn.parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
            assertThat(dsn.text(2)).isEqualTo(HEADER_SECTION);
            assertThat(dsn.text(0)).contains("(" + big.length + " octets) is larger than the 100 octets returned in full");
        }

        @Test
        void unknownSizeIsMeasuredAgainstTheCap() throws Exception {
            Recipient bob = bob();
            byte[] big = (HEADER_SECTION + "\r\n" + "x".repeat(200) + "\r\n").getBytes(UTF_8);
            Envelope envelope = new Envelope(ALICE, params(DsnRet.FULL, null), List.of(bob));
            OriginalMessage unknownSize = new OriginalMessage(envelope, ARRIVAL, -1, () -> new ByteArrayInputStream(big));
            DsnBuilder capped = new DsnBuilder(new DsnSettings("mx.example.org", 100), CLOCK);
            assertThat(new ParsedDsn(capped.build(unknownSize, List.of(bobFailed(bob))).toBytes()).parts.get(2).getMimeType())
                    .isEqualTo("text/rfc822-headers");
            DsnBuilder roomy = new DsnBuilder(new DsnSettings("mx.example.org", big.length), CLOCK);
            assertThat(new ParsedDsn(roomy.build(unknownSize, List.of(bobFailed(bob))).toBytes()).parts.get(2).getMimeType())
                    .isEqualTo("message/rfc822");
        }

        @Test
        void defaultCapIsTenMebibytes() {
            assertThat(DsnSettings.of("h").maxFullReturn()).isEqualTo(10L * 1024 * 1024);
        }

        @Test
        void theOriginalIsStreamedWhenTheDsnIsWrittenNotHeldByTheBuilder() throws Exception {
            Recipient bob = bob();
            AtomicInteger opened = new AtomicInteger();
            byte[] content = ORIGINAL.getBytes(UTF_8);
            Envelope envelope = new Envelope(ALICE, params(DsnRet.FULL, null), List.of(bob));
            OriginalMessage original = new OriginalMessage(envelope, ARRIVAL, content.length, () -> {
                opened.incrementAndGet();
                return new ByteArrayInputStream(content);
            });
            Dsn dsn = builder.build(original, List.of(bobFailed(bob)));
            int afterBuild = opened.get();
            dsn.toBytes();
            assertThat(opened.get()).isEqualTo(afterBuild + 1);
        }

        @Test
        void messageWithoutBodyIsAllHeader() throws Exception {
            Recipient bob = bob();
            ParsedDsn dsn = build(original(MailParameters.NONE, HEADER_SECTION.getBytes(UTF_8), bob), bobFailed(bob));
            assertThat(dsn.text(2)).isEqualTo(HEADER_SECTION);
        }

        @Test
        void eightBitOriginalIsReturnedAs8bitAndTheDsnNeeds8BitMime() throws Exception {
            Recipient bob = bob();
            byte[] eightBit = (HEADER_SECTION + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    + "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n").getBytes(UTF_8);
            // BODY=8BITMIME not declared: the content decides.
            Dsn dsn = builder.build(original(params(DsnRet.FULL, null), eightBit, bob), List.of(bobFailed(bob)));
            ParsedDsn parsed = new ParsedDsn(dsn.toBytes());
            assertThat(parsed.parts.get(2).getContentTransferEncoding()).isEqualTo("8bit");
            assertThat(dsn.envelope().parameters().body()).isEqualTo(BodyType.EIGHT_BIT_MIME);
            Message returned = (Message) parsed.parts.get(2).getBody();
            try (var in = ((TextBody) returned.getBody()).getInputStream()) {
                assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("Grüße\r\n");
            }
        }

        @Test
        void eightBitHeadersInAnAsciiDsnAreQuotedPrintable() throws Exception {
            Recipient bob = bob();
            String headers = "From: Jörg <joerg@example.com>\r\nSubject: Grüße \r\n";
            byte[] content = (headers + "\r\nbody\r\n").getBytes(UTF_8);
            Dsn dsn = builder.build(original(params(DsnRet.HDRS, null), content, bob), List.of(bobFailed(bob)));
            ParsedDsn parsed = new ParsedDsn(dsn.toBytes());
            assertThat(parsed.parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
            assertThat(parsed.parts.get(2).getContentTransferEncoding()).isEqualTo("quoted-printable");
            assertThat(parsed.text(2)).isEqualTo(headers);
            assertThat(dsn.envelope().parameters().body()).isNull();
            assertThat(asciiOnly(parsed.raw)).isTrue();
        }

        @Test
        void binaryMimeOriginalIsReturnedAsHeaders() throws Exception {
            Recipient bob = bob();
            MailParameters binary = new MailParameters(BodyType.BINARY_MIME, false, -1, DsnRet.FULL, null, null, false);
            ParsedDsn dsn = build(original(binary, bob), bobFailed(bob));
            assertThat(dsn.parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
            assertThat(dsn.text(0)).contains("binary (BINARYMIME)");
        }
    }

    @Nested
    class DelayAndSuccess {
        @Test
        void delayNoticeCarriesWillRetryUntilAndOnlyHeaders() throws Exception {
            Recipient bob = bob();
            Instant until = ARRIVAL.plus(5, ChronoUnit.DAYS);
            RecipientReport delayed = RecipientReport.delayed(bob, SmtpReply.of(451, "4.7.1", "greylisted, try later"),
                    "mx.remote.example", null, NOW.minusSeconds(30), until);
            Dsn dsn = builder.build(original(params(DsnRet.FULL, "E1"), bob), List.of(delayed));
            ParsedDsn parsed = new ParsedDsn(dsn.toBytes());
            assertThat(dsn.kind()).isEqualTo(NotificationKind.DELAY);
            assertThat(parsed.header("Subject")).isEqualTo("Delayed Mail (still being retried)");
            Header r = parsed.statusBlocks().get(1);
            assertThat(field(r, "Action")).isEqualTo("delayed");
            assertThat(field(r, "Status")).isEqualTo("4.7.1");
            assertThat(field(r, "Diagnostic-Code")).isEqualTo("smtp; 451 4.7.1 greylisted, try later");
            assertThat(field(r, "Last-Attempt-Date")).isEqualTo("Tue, 5 Mar 2024 10:15:00 +0000");
            assertThat(field(r, "Will-Retry-Until")).isEqualTo("Sat, 9 Mar 2024 08:00:00 +0000");
            // RET=FULL applies to failures (RFC 3461 4.3): a delay notice carries the headers.
            assertThat(parsed.parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
            assertThat(parsed.text(0)).contains("not been delivered yet").contains("retrying until Sat, 9 Mar 2024 08:00:00 +0000");
        }

        @Test
        void delayWithoutAnyReply() throws Exception {
            Recipient bob = bob();
            RecipientReport delayed = RecipientReport.delayed(bob, null, null, "connection refused", NOW,
                    NOW.plus(1, ChronoUnit.DAYS));
            Header r = build(original(MailParameters.NONE, bob), delayed).statusBlocks().get(1);
            assertThat(field(r, "Status")).isEqualTo("4.0.0");
            assertThat(field(r, "Remote-MTA")).isNull();
            assertThat(field(r, "Diagnostic-Code")).isEqualTo("X-Mailroom; connection refused");
            assertThat(field(r, "Will-Retry-Until")).isEqualTo("Wed, 6 Mar 2024 10:15:30 +0000");
        }

        @Test
        void successNotice() throws Exception {
            Recipient bob = new Recipient(BOB, "SUCCESS", null);
            RecipientReport relayed = RecipientReport.succeeded(bob, DsnAction.RELAYED,
                    SmtpReply.of(250, "2.0.0", "queued"), "smarthost.example", NOW);
            ParsedDsn dsn = build(original(params(DsnRet.FULL, null), bob), relayed);
            assertThat(dsn.header("Subject")).isEqualTo("Successful Mail Delivery Report");
            assertThat(field(dsn.statusBlocks().get(1), "Action")).isEqualTo("relayed");
            assertThat(dsn.parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
            assertThat(dsn.text(0)).contains("relayed to a system that sends no further delivery reports");
        }

        @Test
        void reportsRefuseAStatusThatContradictsTheAction() {
            assertThatThrownBy(() -> new RecipientReport(bob(), DsnAction.FAILED, "4.1.1", null, null, null, NOW, null))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new RecipientReport(bob(), DsnAction.FAILED, "5.1", null, null, null, NOW, null))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new RecipientReport(bob(), DsnAction.FAILED, "5.1.1", null, null, null, NOW, NOW))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new RecipientReport(bob(), DsnAction.DELAYED, "4.1.1", null, null, null, NOW, null))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class Smtputf8 {
        final Mailbox jose = new Mailbox("josé", "exemple.fr");
        final MailParameters utf8 = new MailParameters(BodyType.EIGHT_BIT_MIME, true, -1, DsnRet.HDRS, null, null, false);
        final String headers = "From: josé@exemple.fr\r\nTo: 用户@例子.广告\r\nSubject: café\r\n";
        final byte[] content = (headers + "\r\nbonjour\r\n").getBytes(UTF_8);

        OriginalMessage utf8Original(MailParameters p, Recipient r) {
            Envelope envelope = new Envelope(jose, p, List.of(r));
            return new OriginalMessage(envelope, ARRIVAL, content.length, () -> new ByteArrayInputStream(content));
        }

        @Test
        void globalDeliveryStatusWithUtf8Addresses() throws Exception {
            Recipient r = new Recipient(new Mailbox("用户", "例子.广告"), null, "utf-8;+E7+94+A8+E6+88+B7@+E4+BE+8B+E5+AD+90.+E5+B9+BF+E5+91+8A");
            Dsn dsn = builder.build(utf8Original(utf8, r),
                    List.of(RecipientReport.failed(r, SmtpReply.of(550, "5.1.1", "no such user"), "mx.例子.广告", NOW)));
            ParsedDsn parsed = new ParsedDsn(dsn.toBytes());
            assertThat(dsn.global()).isTrue();
            assertThat(dsn.envelope().parameters().smtputf8()).isTrue();
            assertThat(dsn.envelope().parameters().body()).isEqualTo(BodyType.EIGHT_BIT_MIME);
            assertThat(parsed.contentType().getParameter("report-type")).isEqualTo("global-delivery-status");
            assertThat(parsed.parts).extracting(Entity::getMimeType)
                    .containsExactly("text/plain", "message/global-delivery-status", "message/global-headers");
            assertThat(parsed.header("To")).isEqualTo("josé@exemple.fr");
            Header block = parsed.statusBlocks().get(1);
            assertThat(field(block, "Final-Recipient")).isEqualTo("utf-8; 用户@例子.广告");
            assertThat(field(block, "Original-Recipient")).isEqualTo("utf-8;用户@例子.广告");
            assertThat(field(block, "Remote-MTA")).isEqualTo("dns; mx.例子.广告");
            assertThat(parsed.parts.get(2).getContentTransferEncoding()).isEqualTo("8bit");
            assertThat(parsed.text(2)).isEqualTo(headers);
        }

        @Test
        void globalFullReturnIsMessageGlobal() throws Exception {
            Recipient r = Recipient.of(BOB);
            MailParameters full = new MailParameters(BodyType.EIGHT_BIT_MIME, true, -1, DsnRet.FULL, null, null, false);
            ParsedDsn parsed = new ParsedDsn(builder.build(utf8Original(full, r), List.of(bobFailed(r))).toBytes());
            assertThat(parsed.parts.get(2).getMimeType()).isEqualTo("message/global");
            assertThat(parsed.content(2)).isEqualTo(content);
            // ASCII recipient: rfc822 type even in a global report.
            assertThat(field(parsed.statusBlocks().get(1), "Final-Recipient")).isEqualTo("rfc822; bob@remote.example");
        }

        @Test
        void utf8AddressInAnAsciiReportIsUtf8AddrXtext() {
            assertThat(DsnText.utf8AddrXtext("jo+sé@x")).isEqualTo("jo\\x{2B}s\\x{E9}@x");
            assertThat(DsnText.utf8AddrXtext("用")).isEqualTo("\\x{7528}");
            assertThat(DsnText.text("a\u0001b\tc", true)).isEqualTo("a\\x{01}b\tc");
        }
    }

    static boolean asciiOnly(byte[] raw) {
        for (byte b : raw) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
