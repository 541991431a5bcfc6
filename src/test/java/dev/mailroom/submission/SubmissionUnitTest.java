package dev.mailroom.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.address.Mailbox;
import dev.mailroom.directory.SenderRight;
import dev.mailroom.dkim.DkimSigner;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.queue.SpoolWriter;
import dev.mailroom.smtp.SessionInfo;
import dev.mailroom.smtp.SmtpException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The fix-up generators and the receiver's storage-error path, driven directly: the fix-ups with a fixed
 * queue id (so uniqueness must come from the generator itself), the receiver with a spool writer whose
 * stream fails the way a full disk does (a real ENOSPC cannot be produced on loopback as root).
 */
class SubmissionUnitTest {
    static final SubmissionSettings SETTINGS = new SubmissionSettings("mail.example.com", "example.com",
            Set.of("example.com"), UnqualifiedAddresses.COMPLETE, false, Map.of(), false, false, 65536, ip -> false);
    static final SenderRights RIGHTS = (user, address) -> address.key().equals(user) ? SenderRight.OWN : SenderRight.NONE;

    record Session(String authenticatedUser) implements SessionInfo {
        @Override public String sessionId() { return "s1"; }
        @Override public String listenerName() { return "submission"; }
        @Override public InetSocketAddress client() { return new InetSocketAddress("127.0.0.1", 40000); }
        @Override public String heloName() { return "client.example.com"; }
        @Override public boolean esmtp() { return true; }
        @Override public String tlsDescription() { return "TLSv1.3 TLS_AES_128_GCM_SHA256"; }
        @Override public String authMechanism() { return "PLAIN"; }
    }

    static final Envelope ENVELOPE = new Envelope(new Mailbox("alice", "example.com"), MailParameters.NONE,
            List.of(new Recipient(new Mailbox("carol", "remote.example"), null, null)));

    static SubmissionFixups fixups(String queueId) {
        return new SubmissionFixups(SETTINGS, RIGHTS, new Qualification(SETTINGS), new Session("alice@example.com"),
                ENVELOPE, queueId);
    }

    static final Pattern DATE = Pattern.compile("\r\nDate: ([^\r\n]+)\r\n");
    static final Pattern MESSAGE_ID = Pattern.compile("\r\nMessage-ID: (<[^\r\n]+>)\r\n");

    @Test
    void HDR_06_generatedDateParsesStrictlyWithNumericZone() throws Exception {
        String out = new String(fixups("25XP0000000000A").apply("From: alice@example.com\r\n".getBytes(StandardCharsets.US_ASCII)),
                StandardCharsets.UTF_8);
        Matcher m = DATE.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        assertThat(m.group(1)).matches("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
                + " \\d{4} \\d{2}:\\d{2}:\\d{2} [+-]\\d{4}");
        ZonedDateTime parsed = ZonedDateTime.parse(m.group(1), DateTimeFormatter
                .ofPattern("EEE, d MMM uuuu HH:mm:ss xx", Locale.ENGLISH).withResolverStyle(ResolverStyle.STRICT));
        assertThat(parsed).isBetween(ZonedDateTime.now().minusMinutes(1), ZonedDateTime.now().plusMinutes(1));
    }

    @Test
    void HDR_05_thousandGeneratedMessageIdsAreUniqueEvenWithTheSameQueueId() throws Exception {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String out = new String(fixups("25XP0000000000A").apply("From: alice@example.com\r\n".getBytes(StandardCharsets.US_ASCII)),
                    StandardCharsets.UTF_8);
            Matcher m = MESSAGE_ID.matcher(out);
            assertThat(m.find()).as(out).isTrue();
            // RFC 5322 section 3.6.4: "<" id-left "@" id-right ">", dot-atom-text on both sides
            assertThat(m.group(1)).matches("<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@mail\\.example\\.com>");
            ids.add(m.group(1));
        }
        assertThat(ids).hasSize(1000);
    }

    /** A spool writer over memory whose stream can be made to fail. */
    static final class FailingWriter implements SpoolWriter {
        final ByteArrayOutputStream stored = new ByteArrayOutputStream();
        final String failure;
        final int failAfter;
        boolean committed;
        boolean aborted;

        FailingWriter(String failure, int failAfter) {
            this.failure = failure;
            this.failAfter = failAfter;
        }

        @Override public String id() { return "25XP0000000000A"; }

        @Override
        public OutputStream content() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (stored.size() + len > failAfter) {
                        throw new IOException(failure);
                    }
                    stored.write(b, off, len);
                }
            };
        }

        @Override
        public void prependHeader(byte[] fields) {
            throw new AssertionError("nothing is signed in these tests");
        }

        @Override public void commit() { committed = true; }
        @Override public void abort() { aborted = true; }
    }

    @Test
    void SMTP_30_diskFullWhileStreamingIs452_431AndNothingCommitted() throws IOException {
        FailingWriter w = new FailingWriter("No space left on device", 300);
        SubmissionReceiver r = new SubmissionReceiver(tlsOptional -> w, id -> fixups(id), DkimSigner.none(), 65536);
        byte[] msg = ("From: alice@example.com\r\n\r\n" + "body line\r\n".repeat(100)).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> r.content().write(msg, 0, msg.length)).isInstanceOf(IOException.class);
        // even if the caller goes on to finish, the partial message must not be committed
        assertThatThrownBy(() -> r.finish(msg.length, 10)).isInstanceOfSatisfying(SmtpException.class, e -> {
            assertThat(e.reply().code()).isEqualTo(452);
            assertThat(e.reply().enhanced()).isEqualTo("4.3.1");
        });
        assertThat(w.committed).isFalse();
        assertThat(w.aborted).isTrue();
    }

    @Test
    void SMTP_30_ioErrorOnHeaderOnlyMessageIs451_430AndNothingCommitted() throws IOException {
        FailingWriter w = new FailingWriter("Input/output error", 0);
        SubmissionReceiver r = new SubmissionReceiver(tlsOptional -> w, id -> fixups(id), DkimSigner.none(), 65536);
        byte[] msg = "From: alice@example.com\r\nSubject: x\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> {
            r.content().write(msg, 0, msg.length);
            r.finish(msg.length, 20);
        }).isInstanceOfSatisfying(SmtpException.class, e -> {
            assertThat(e.reply().code()).isEqualTo(451);
            assertThat(e.reply().enhanced()).isEqualTo("4.3.0");
        });
        assertThat(w.committed).isFalse();
        assertThat(w.aborted).isTrue();
    }

    @Test
    void anUnreadableUsersFileIsATemporaryFailureNotARefusal() {
        SenderRights broken = (user, address) -> {
            throw new dev.mailroom.sasl.CredentialStoreUnavailableException("users file unreadable");
        };
        SubmissionPolicy policy = new SubmissionPolicy(SETTINGS, broken, null, DkimSigner.none());
        assertThatThrownBy(() -> policy.mail(new Session("alice@example.com"), new Mailbox("alice", "example.com"), MailParameters.NONE))
                .isInstanceOfSatisfying(SmtpException.class, e -> {
                    assertThat(e.reply().code()).isEqualTo(451);
                    assertThat(e.reply().enhanced()).isEqualTo("4.3.0");
                });
    }
}
