package dev.mailroom.dsn;

import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.message.HeaderEnd;
import dev.mailroom.message.MessageFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.apache.james.mime4j.codec.QuotedPrintableOutputStream;

/**
 * The third part of a DSN: the original message, or only its header section, and how it is labelled.
 *
 * <ul>
 *   <li>The whole message goes back only in a failure notice, only with RET=FULL (RFC 3461 section 4.3) and
 *       only up to the size cap. Without RET the header section goes back: RFC 3461 leaves the choice to the
 *       MTA, and returning whole messages to a forged sender makes a bounce a way to deliver spam
 *       (backscatter), so the safer default (like Postfix's for large messages) is the headers. Delay and
 *       success notices always carry the headers only.</li>
 *   <li>A BINARYMIME original (RFC 3030) goes back as headers: its content could only travel in a DSN sent
 *       with BINARYMIME, which the sender's server may lack.</li>
 *   <li>Labels: message/rfc822 admits no encoding but 7bit, 8bit or binary (RFC 2046 section 5.2.1), so an
 *       8-bit original is returned as 8bit and the DSN needs BODY=8BITMIME (or {@code EightBitDowngrade}
 *       on the way). A header section with 8-bit octets in an ASCII DSN is text/rfc822-headers in
 *       quoted-printable (RFC 6522 allows it for broken headers), so a headers-only DSN of an
 *       ordinary message is always 7-bit. An SMTPUTF8 original gets RFC 6533's types: message/global (RFC
 *       6532 section 3.7) and message/global-headers (RFC 6533), 8bit when they hold UTF-8.</li>
 * </ul>
 */
final class ReturnedContent {

    /** Header sections are returned up to this size; beyond it whole lines are cut off. */
    static final int MAX_HEADER_SECTION = 1024 * 1024;

    enum Form { FULL, HEADERS }

    private enum Why {
        FULL_REQUESTED, HEADERS_REQUESTED, HEADERS_BY_DEFAULT, NOT_A_FAILURE, TOO_LARGE, BINARY, REQUIRETLS
    }

    private final Form form;
    private final Why why;
    private final boolean eightBit;
    private final byte[] headerSection;
    private final long size;
    private final long cap;

    private ReturnedContent(Form form, Why why, boolean eightBit, byte[] headerSection, long size, long cap) {
        this.form = form;
        this.why = why;
        this.eightBit = eightBit;
        this.headerSection = headerSection;
        this.size = size;
        this.cap = cap;
    }

    static ReturnedContent choose(OriginalMessage original, NotificationKind kind, long cap) throws IOException {
        MailParameters p = original.envelope().parameters();
        Why headersBecause;
        if (kind != NotificationKind.FAILURE) {
            headersBecause = Why.NOT_A_FAILURE;
        } else if (p.requireTls()) {
            // RFC 8689 section 5: a bounce of a REQUIRETLS message acts as RET=HDRS, whatever RET said.
            headersBecause = Why.REQUIRETLS;
        } else if (p.ret() == DsnRet.HDRS) {
            headersBecause = Why.HEADERS_REQUESTED;
        } else if (p.ret() == null) {
            headersBecause = Why.HEADERS_BY_DEFAULT;
        } else if (p.body() == BodyType.BINARY_MIME) {
            headersBecause = Why.BINARY;
        } else if (original.size() > cap) {
            headersBecause = Why.TOO_LARGE;
        } else {
            // Measure (when the size is unknown) and look for 8-bit octets in one pass: BODY= is what the
            // client declared, not a promise that a 7BIT message holds no 8-bit octet.
            Scan scan = scan(original);
            if (scan.size <= cap) {
                return new ReturnedContent(Form.FULL, Why.FULL_REQUESTED, scan.eightBit, null, scan.size, cap);
            }
            return headersOnly(original, Why.TOO_LARGE, scan.size, cap);
        }
        return headersOnly(original, headersBecause, original.size(), cap);
    }

    private static ReturnedContent headersOnly(OriginalMessage original, Why why, long size, long cap)
            throws IOException {
        byte[] headers;
        try (InputStream in = original.content().open()) {
            headers = readHeaderSection(in);
        }
        return new ReturnedContent(Form.HEADERS, why, hasEightBit(headers, headers.length), headers, size, cap);
    }

    Form form() {
        return form;
    }

    boolean eightBit() {
        return eightBit;
    }

    String contentType(boolean global) {
        if (form == Form.FULL) {
            return global ? "message/global" : "message/rfc822";
        }
        return global ? "message/global-headers" : "text/rfc822-headers";
    }

    String transferEncoding(boolean global) {
        if (!eightBit) {
            return "7bit";
        }
        return form == Form.HEADERS && !global ? "quoted-printable" : "8bit";
    }

    /** True if this part makes the DSN an 8-bit message (BODY=8BITMIME). */
    boolean needsEightBit(boolean global) {
        return transferEncoding(global).equals("8bit");
    }

    String contentDescription() {
        return form == Form.FULL ? "Undelivered Message" : "Message Headers";
    }

    /** The sentence of the human-readable part that says what is attached and why. */
    String description() {
        return switch (why) {
            case FULL_REQUESTED -> "The message is attached.";
            case HEADERS_REQUESTED -> "The message's header section is attached, as its sender asked (RET=HDRS).";
            case HEADERS_BY_DEFAULT, NOT_A_FAILURE -> "The message's header section is attached.";
            case TOO_LARGE -> "The message (" + size + " octets) is larger than the " + cap
                    + " octets returned in full; only its header section is attached.";
            case BINARY -> "The message is binary (BINARYMIME); only its header section is attached.";
            case REQUIRETLS -> "The message was sent with REQUIRETLS; only its header section is attached.";
        };
    }

    void writeBody(OriginalMessage original, OutputStream out, boolean global) throws IOException {
        if (form == Form.FULL) {
            try (InputStream in = original.content().open()) {
                in.transferTo(out);
            }
        } else if (transferEncoding(global).equals("quoted-printable")) {
            // Header lines end in CRLF and hold no bare CR or LF, the input mime4j's text-mode encoder handles.
            QuotedPrintableOutputStream qp = new QuotedPrintableOutputStream(out, false);
            qp.write(headerSection);
            qp.close(); // flushes; does not close out
        } else {
            out.write(headerSection);
        }
    }

    private record Scan(long size, boolean eightBit) {
    }

    private static Scan scan(OriginalMessage original) throws IOException {
        long size = 0;
        boolean eightBit = false;
        byte[] buf = new byte[16384];
        try (InputStream in = original.content().open()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                size += n;
                eightBit = eightBit || hasEightBit(buf, n);
            }
        }
        return new Scan(size, eightBit);
    }

    /**
     * The header section (every field with its CRLF, without the empty line). A message without an empty
     * line is all header (RFC 5322 section 3.5); a section beyond {@link #MAX_HEADER_SECTION} is cut after
     * its last whole line.
     */
    static byte[] readHeaderSection(InputStream in) throws IOException {
        HeaderEnd end = new HeaderEnd(MAX_HEADER_SECTION);
        ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        byte[] chunk = new byte[8192];
        int n;
        while ((n = in.read(chunk)) > 0) {
            int bodyStart;
            try {
                bodyStart = end.feed(chunk, 0, n);
            } catch (MessageFormatException tooLarge) {
                buf.write(chunk, 0, n);
                return cutAfterLastLine(buf.toByteArray(), MAX_HEADER_SECTION);
            }
            if (bodyStart >= 0) {
                buf.write(chunk, 0, bodyStart);
                return Arrays.copyOf(buf.toByteArray(), (int) end.headerLength());
            }
            buf.write(chunk, 0, n);
        }
        byte[] all = buf.toByteArray();
        if (all.length >= 2 && all[all.length - 2] == '\r' && all[all.length - 1] == '\n') {
            return all;
        }
        byte[] terminated = Arrays.copyOf(all, all.length + 2);
        terminated[all.length] = '\r';
        terminated[all.length + 1] = '\n';
        return all.length == 0 ? all : terminated;
    }

    private static byte[] cutAfterLastLine(byte[] b, int limit) {
        for (int i = Math.min(b.length, limit) - 1; i > 0; i--) {
            if (b[i] == '\n' && b[i - 1] == '\r') {
                return Arrays.copyOf(b, i + 1);
            }
        }
        return new byte[0];
    }

    static boolean hasEightBit(byte[] b, int len) {
        for (int i = 0; i < len; i++) {
            if (b[i] < 0) {
                return true;
            }
        }
        return false;
    }
}
