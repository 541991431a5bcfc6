package dev.mailroom.dsn;

import dev.mailroom.envelope.Envelope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One delivery status notification, ready to queue: its envelope and its content.
 *
 * <p>The envelope has the null reverse path, as every DSN must (RFC 5321 section 4.5.5), so that a DSN that
 * cannot be delivered never causes another one (section 6.1); its one recipient is the
 * original sender (or the postmaster, for a double bounce). It declares BODY=8BITMIME when a part is 8-bit,
 * SMTPUTF8 when the notification is an RFC 6533 global one, and REQUIRETLS when the original had it (the DSN
 * carries the original's header section or content, which its sender wanted on TLS-only hops, RFC 8689):
 * the caller sends it with those parameters, and downgrades it with {@code EightBitDowngrade} for a hop
 * without 8BITMIME.
 *
 * <p>{@link #writeTo} streams the original message again from its {@link OriginalMessage.Content}, so the
 * original must still be readable when the DSN is written (write it before removing the original).
 */
public final class Dsn {

    private final Envelope envelope;
    private final NotificationKind kind;
    private final boolean global;
    private final String messageId;
    private final byte[] beforeOriginal;
    private final ReturnedContent returned;
    private final OriginalMessage original;
    private final String boundary;

    Dsn(Envelope envelope, NotificationKind kind, boolean global, String messageId, byte[] beforeOriginal,
        ReturnedContent returned, OriginalMessage original, String boundary) {
        this.envelope = envelope;
        this.kind = kind;
        this.global = global;
        this.messageId = messageId;
        this.beforeOriginal = beforeOriginal;
        this.returned = returned;
        this.original = original;
        this.boundary = boundary;
    }

    /** Null reverse path, one recipient, BODY/SMTPUTF8 as the content needs. */
    public Envelope envelope() {
        return envelope;
    }

    public NotificationKind kind() {
        return kind;
    }

    /** True for an RFC 6533 notification (message/global-delivery-status): it must be sent with SMTPUTF8. */
    public boolean global() {
        return global;
    }

    /** The Message-ID field's value, angle brackets included, for logs. */
    public String messageId() {
        return messageId;
    }

    /** Writes the whole DSN: CRLF line ends, not dot-stuffed. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(beforeOriginal);
        returned.writeBody(original, out, global);
        // RFC 2046 section 5.1.1: the CRLF before a delimiter belongs to the delimiter, so the part's content
        // is exactly what was written above.
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The whole DSN in memory; it is at most the size cap plus a few KiB. */
    public byte[] toBytes() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(beforeOriginal.length + 4096);
        writeTo(out);
        return out.toByteArray();
    }
}
