package dev.mailroom.dsn;

import dev.mailroom.address.Mailbox;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.message.HeaderField;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import org.apache.james.mime4j.codec.QuotedPrintableOutputStream;

/**
 * Builds delivery status notifications (RFC 3464) as multipart/report messages (RFC 6522):
 *
 * <pre>
 * multipart/report; report-type=delivery-status
 * ├── text/plain                  what happened, for people
 * ├── message/delivery-status     per-message and per-recipient fields, for programs
 * └── message/rfc822              the original (RET=FULL, failures only, up to the size cap)
 *     or text/rfc822-headers      its header section (every other case)
 * </pre>
 *
 * An original sent with SMTPUTF8 gets the RFC 6533 forms instead: report-type=global-delivery-status,
 * message/global-delivery-status and message/global or message/global-headers; such a DSN is sent with
 * SMTPUTF8 (see {@link Dsn#envelope()}).
 *
 * <p>The builder writes the MIME structure itself rather than through mime4j's DOM: the returned original
 * must go back byte for byte and streamed (mime4j would parse and re-serialise it), and every other part is
 * a few lines of text this class composes. The tests parse every result back with mime4j.
 *
 * <p>Whether to build a DSN at all is {@link NotifyPolicy}'s question; never build one for a message with
 * the null reverse path (RFC 5321 section 6.1), except the double bounce to the postmaster.
 */
public final class DsnBuilder {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final DsnSettings settings;
    private final Clock clock;

    public DsnBuilder(DsnSettings settings) {
        this(settings, Clock.systemDefaultZone());
    }

    /** @param clock gives the Date and the Message-ID, and its zone the zone of every date in the DSN */
    public DsnBuilder(DsnSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * A DSN to the original message's sender about these recipients.
     *
     * @throws IllegalArgumentException if the original has the null reverse path (no DSN goes there) or
     *                                  there is no report
     * @throws IOException              if the original cannot be read
     */
    public Dsn build(OriginalMessage original, List<RecipientReport> reports) throws IOException {
        Mailbox sender = original.envelope().reversePath();
        if (sender == null) {
            // RFC 5321 section 6.1: if the reverse path is null, no notification is sent.
            throw new IllegalArgumentException("no DSN to the null reverse path; ask NotifyPolicy");
        }
        return build(original, reports, sender, "");
    }

    /**
     * The double bounce: the DSN about an undeliverable message that had the null reverse path (usually a
     * bounce itself) goes to the postmaster instead, when so configured ({@link NotifyDecision#DOUBLE_BOUNCE}).
     */
    public Dsn buildForPostmaster(OriginalMessage original, List<RecipientReport> reports, Mailbox postmaster)
            throws IOException {
        return build(original, reports, postmaster, "Postmaster Copy: ");
    }

    private Dsn build(OriginalMessage original, List<RecipientReport> reports, Mailbox to, String subjectPrefix)
            throws IOException {
        if (reports.isEmpty()) {
            throw new IllegalArgumentException("a DSN reports on at least one recipient");
        }
        String host = settings.reportingMta();
        ZoneId zone = clock.getZone();
        boolean global = original.envelope().parameters().smtputf8();
        NotificationKind kind = NotificationKind.of(reports);
        ReturnedContent returned = ReturnedContent.choose(original, kind, settings.maxFullReturn());
        String text = new NotificationText(host, zone).render(kind, reports, returned);
        byte[] status = new DeliveryStatusReport(host, zone, global).render(original, reports);
        String boundary = boundary();
        String messageId = "<" + Long.toString(clock.millis(), 36) + "." + randomToken(12) + "@" + host + ">";

        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        field(out, "From", "\"Mail Delivery System\" <MAILER-DAEMON@" + host + ">");
        field(out, "To", to.address());
        field(out, "Subject", subjectPrefix + kind.subject());
        field(out, "Date", DsnText.date(clock.instant(), zone));
        field(out, "Message-ID", messageId);
        field(out, "MIME-Version", "1.0");
        // RFC 3834 section 5: generated in reply to a message; auto-responders must not answer it.
        field(out, "Auto-Submitted", "auto-replied");
        // RFC 6522 and RFC 6533: report-type names the second part's subtype.
        field(out, "Content-Type", "multipart/report; report-type=" + (global ? "global-" : "")
                + "delivery-status; boundary=\"" + boundary + "\"");
        line(out, "");
        line(out, "This is a MIME-encapsulated message.");  // preamble, for readers without MIME

        // Part 1: for people.
        boolean textAscii = DsnText.isAscii(text);
        String textEncoding = textAscii ? "7bit" : global ? "8bit" : "quoted-printable";
        delimiter(out, boundary);
        field(out, "Content-Description", "Notification");
        field(out, "Content-Type", "text/plain; charset=" + (textAscii ? "us-ascii" : "utf-8"));
        field(out, "Content-Transfer-Encoding", textEncoding);
        line(out, "");
        byte[] textBytes = text.getBytes(StandardCharsets.UTF_8);
        if (textEncoding.equals("quoted-printable")) {
            // Lines we composed: CRLF line ends and no trailing white space, mime4j's text-mode encoder fits.
            QuotedPrintableOutputStream qp = new QuotedPrintableOutputStream(out, false);
            qp.write(textBytes);
            qp.close();
        } else {
            out.writeBytes(textBytes);
        }

        // Part 2: for programs. ASCII unless global (DeliveryStatusReport escapes what is not).
        boolean statusEightBit = ReturnedContent.hasEightBit(status, status.length);
        delimiter(out, boundary);
        field(out, "Content-Description", "Delivery report");
        field(out, "Content-Type", global ? "message/global-delivery-status" : "message/delivery-status");
        field(out, "Content-Transfer-Encoding", statusEightBit ? "8bit" : "7bit");
        line(out, "");
        out.writeBytes(status);

        // Part 3: the original or its header section; its content is streamed by Dsn.writeTo.
        delimiter(out, boundary);
        field(out, "Content-Description", returned.contentDescription());
        field(out, "Content-Type", returned.contentType(global));
        field(out, "Content-Transfer-Encoding", returned.transferEncoding(global));
        line(out, "");

        boolean eightBit = textEncoding.equals("8bit") || statusEightBit || returned.needsEightBit(global);
        MailParameters parameters = new MailParameters(eightBit ? BodyType.EIGHT_BIT_MIME : null, global, -1,
                null, null, null, original.envelope().parameters().requireTls());
        // RFC 5321 section 4.5.5: a DSN has the null reverse path.
        Envelope envelope = new Envelope(null, parameters, List.of(Recipient.of(to)));
        return new Dsn(envelope, kind, global, messageId, out.toByteArray(), returned, original, boundary);
    }

    /**
     * RFC 2046 section 5.1.1: at most 70 characters that must not occur in any part. 120 random bits make a
     * collision with the returned original practically impossible, even for a sender who wants one.
     */
    private static String boundary() {
        return "=_mailroom_dsn_" + randomToken(24);
    }

    private static String randomToken(int chars) {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        StringBuilder sb = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static void delimiter(ByteArrayOutputStream out, String boundary) {
        // The CRLF before "--" belongs to the delimiter (RFC 2046 section 5.1.1): the previous part ends with
        // its own last line break, and this one adds the line break the delimiter needs.
        line(out, "");
        line(out, "--" + boundary);
    }

    private static void field(ByteArrayOutputStream out, String name, String value) {
        out.writeBytes(HeaderField.of(name, value).raw());
    }

    private static void line(ByteArrayOutputStream out, String s) {
        out.writeBytes((s + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }
}
