package dev.mailroom.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.queue.RecipientState.Outcome;
import dev.mailroom.smtp.SmtpReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `mailroom queue list` and `show` print for a message in a real spool. */
class MessageReportTest {
    private static final Instant TRIED = Instant.parse("2026-01-10T12:00:00.123Z");
    private static final Instant NEXT = Instant.parse("2026-01-10T13:00:00Z");

    @TempDir
    Path dir;

    /** Two recipients: the first refused for good, the second deferred; then put on hold. */
    private StoredMessage triedMessage(FileSpool spool, String content) throws Exception {
        Envelope env = new Envelope(new Mailbox("alice", "example.com"),
                new MailParameters(BodyType.EIGHT_BIT_MIME, false, 1234, DsnRet.HDRS, "env+2Bid", null, false),
                List.of(new Recipient(new Mailbox("nobody", "remote.example"), "FAILURE,DELAY", "rfc822;Nobody@Remote.example"),
                        Recipient.of(new Mailbox("slow", "remote.example"))));
        SpoolWriter w = spool.create(env, "alice@example.com");
        w.content().write(content.getBytes(StandardCharsets.UTF_8));
        w.commit();
        DeliveryState state = spool.read(w.id()).state()
                .withRecipient(0, new RecipientState(Outcome.FAILED,
                        new SmtpReply(550, "5.1.1", List.of("no such user", "see the docs")), "mx.remote.example", TRIED))
                .withRecipient(1, new RecipientState(Outcome.PENDING,
                        SmtpReply.of(451, "4.2.1", "mailbox busy \u001b[2J"), "mx.remote.example", TRIED))
                .withAttempt(2, NEXT).withHeld(true);
        spool.saveState(w.id(), state);
        return spool.read(w.id());
    }

    @Test
    void listLineHasIdSizeArrivalSenderPendingHeldAndLastError() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        StoredMessage m = triedMessage(spool, "Subject: x\r\n\r\nbody\r\n");
        assertThat(MessageReport.listLine(m)).matches(m.id() + " +20 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"
                + " <alice@example\\.com> 1/2 pending HELD \\(451 4\\.2\\.1 mailbox busy \\?\\[2J\\)");
        StoredMessage fresh = spool.read(TestMessages.commit(spool, null, "Subject: y\r\n\r\n",
                Recipient.of(new Mailbox("bob", "example.org"))));
        assertThat(MessageReport.listLine(fresh)).endsWith(" <> 1/1 pending");
    }

    @Test
    void showHasTheEnvelopeEachRecipientsStateAndTheHeaderSection() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        StoredMessage m = triedMessage(spool, "Received: from a\r\n\tby b\r\nSubject: caf\u00e9 \u001b]0;pwned\u0007\r\n"
                + "From: alice@example.com\r\n\r\nThe body is not shown.\r\n");
        String shown = MessageReport.show(m);
        assertThat(shown).startsWith("id: " + m.id() + "\n")
                .contains("\nsize: " + m.size() + " octets\n")
                .contains("\nsender: <alice@example.com>\n")
                .contains("\nauthenticated user: alice@example.com\n")
                .contains("\nparameters: BODY=8BITMIME SIZE=1234 RET=HDRS ENVID=env+2Bid\n")
                .contains("\nattempts: 2\nnext attempt: when released\nheld: yes\nrecipients: 1 pending of 2\n")
                .contains("""
                        recipient: <nobody@remote.example> NOTIFY=FAILURE,DELAY ORCPT=rfc822;Nobody@Remote.example
                          outcome: FAILED
                          last reply: 550 5.1.1 no such user / see the docs
                          remote MTA: mx.remote.example
                          last attempt: 2026-01-10T12:00:00Z
                        recipient: <slow@remote.example>
                          outcome: PENDING
                          last reply: 451 4.2.1 mailbox busy ?[2J
                        """)
                .endsWith("""
                        header section:
                        Received: from a
                        \tby b
                        Subject: caf\u00e9 ?]0;pwned?
                        From: alice@example.com
                        """)
                .doesNotContain("The body").doesNotContain("\u001b");
    }

    @Test
    void aNeverTriedMessageShowsNoneAndItsNextAttempt() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        StoredMessage m = spool.read(TestMessages.commit(spool, "a@example.com", "Subject: only a header\r\n",
                Recipient.of(new Mailbox("bob", "example.org"))));
        assertThat(MessageReport.show(m)).contains("\nattempts: 0\nnext attempt: ")
                .contains("\nheld: no\n")
                .contains("  outcome: PENDING\n  last reply: none\n  remote MTA: none\n  last attempt: none\n")
                .doesNotContain("authenticated user").doesNotContain("parameters:")
                .endsWith("header section:\nSubject: only a header\n");
    }

    @Test
    void aHugeHeaderSectionIsCut() throws Exception {
        FileSpool spool = FileSpool.recover(dir);
        String line = "X-Filler: " + "x".repeat(88) + "\r\n";
        StoredMessage m = spool.read(TestMessages.commit(spool, "a@example.com",
                line.repeat(MessageReport.HEADER_LIMIT / line.length() + 10) + "\r\nbody\r\n",
                Recipient.of(new Mailbox("bob", "example.org"))));
        String header = MessageReport.headerSection(m);
        assertThat(header).endsWith("(header section cut at " + MessageReport.HEADER_LIMIT + " octets)\n");
        assertThat(header.length()).isLessThan(MessageReport.HEADER_LIMIT + 100);
    }
}
