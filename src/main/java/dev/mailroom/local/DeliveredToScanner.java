package dev.mailroom.local;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Watches a message's header section go by for a {@code Delivered-To:} field naming one address: the
 * message has been delivered to this mailbox before and came back, a forwarding loop (Postfix's local(8)
 * does the same check). Fed in chunks while the message is copied, so it costs no second read.
 *
 * <p>Only the header section is examined (RFC 5322 section 2.1: up to the first empty line), and a field
 * longer than {@link #MAX_FIELD} octets is skipped rather than buffered.
 */
final class DeliveredToScanner {

    static final int MAX_FIELD = 4096;
    private static final String NAME = "delivered-to:";

    private final String address;
    private final ByteArrayOutputStream field = new ByteArrayOutputStream();
    private boolean overflow;
    private boolean atLineStart = true;
    private boolean inHeader = true;
    private boolean found;
    private int previous = -1;

    DeliveredToScanner(String address) {
        this.address = address.toLowerCase(Locale.ROOT);
    }

    void feed(byte[] buf, int off, int len) {
        for (int i = off; i < off + len && inHeader; i++) {
            int b = buf[i] & 0xff;
            if (atLineStart && b != ' ' && b != '\t') {
                // A new field starts (or the empty line): the previous field, with its folded lines, is complete.
                endField();
                if (b == '\r' || b == '\n') {
                    inHeader = false; // the empty line ends the header section
                    break;
                }
            }
            atLineStart = b == '\n' && previous == '\r';
            if (!overflow) {
                if (field.size() < MAX_FIELD) {
                    field.write(b);
                } else {
                    overflow = true;
                }
            }
            previous = b;
        }
    }

    /** True when a Delivered-To field names the address. Call after the whole message has been fed. */
    boolean loopDetected() {
        if (inHeader) {
            endField(); // a message that is all header
            inHeader = false;
        }
        return found;
    }

    private void endField() {
        if (!overflow && field.size() > 0) {
            // RFC 5322 section 2.2.3: unfolding removes the CRLFs; field names are case-insensitive.
            String text = field.toString(StandardCharsets.UTF_8).replace("\r\n", "");
            if (text.regionMatches(true, 0, NAME, 0, NAME.length())) {
                String value = text.substring(NAME.length()).trim();
                if (value.startsWith("<") && value.endsWith(">")) {
                    value = value.substring(1, value.length() - 1);
                }
                found |= value.toLowerCase(Locale.ROOT).equals(address);
            }
        }
        field.reset();
        overflow = false;
    }
}
