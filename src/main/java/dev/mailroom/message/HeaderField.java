package dev.mailroom.message;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One header field exactly as it appears in the message: the raw bytes include the folded continuation
 * lines and the final CRLF, so that writing the section back changes nothing the MSA did not mean to change
 * (RFC 5321 section 4.4 and RFC 5322 section 3.6 ask that fields are not reordered or rewritten, HDR-10).
 *
 * @param name the field name as written, without trailing white space before the colon
 * @param raw  the whole field; the array is copied in and out, so a field is immutable
 */
public record HeaderField(String name, byte[] raw) {

    /** RFC 5322 section 2.1.1: SHOULD NOT exceed 78 characters per line, excluding CRLF. */
    public static final int SOFT_LINE_LIMIT = 78;
    /** RFC 5322 section 2.1.1: MUST NOT exceed 998 characters per line, excluding CRLF. */
    public static final int HARD_LINE_LIMIT = 998;

    public HeaderField {
        if (name == null || raw == null) {
            throw new NullPointerException();
        }
        raw = raw.clone();
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    int length() {
        return raw.length;
    }

    void writeTo(ByteBuffer out) {
        out.put(raw);
    }

    /** True if this field's name is {@code other}, ignoring case (field names are case-insensitive). */
    public boolean is(String other) {
        return name.equalsIgnoreCase(other);
    }

    /**
     * The unfolded value: what follows the colon, with each CRLF that precedes WSP removed (RFC 5322
     * section 2.2.3), the final CRLF dropped and leading WSP trimmed. Decoded as UTF-8 (RFC 6532 section 3)
     * and, if that fails, as ISO-8859-1 so that legacy 8-bit headers still yield a value byte for byte.
     */
    public String value() {
        int colon = indexOf(raw, (byte) ':');
        int end = raw.length;
        if (end >= 2 && raw[end - 2] == '\r' && raw[end - 1] == '\n') {
            end -= 2;
        }
        byte[] buf = new byte[Math.max(0, end - colon - 1)];
        int n = 0;
        int i = colon + 1;
        while (i < end && (raw[i] == ' ' || raw[i] == '\t')) {
            i++;
        }
        for (; i < end; i++) {
            if (raw[i] == '\r' && i + 1 < end && raw[i + 1] == '\n') {
                i++;
                continue;
            }
            buf[n++] = raw[i];
        }
        return decode(buf, n);
    }

    static String decode(byte[] buf, int n) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, 0, n)).toString();
        } catch (CharacterCodingException e) {
            return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        }
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        throw new IllegalStateException("header field without colon");
    }

    /**
     * Builds {@code "Name: value\r\n"}, folding before white space so that no line exceeds 78 octets where
     * the value allows it (RFC 5322 section 2.1.1, HDR-07). The value is UTF-8 encoded (RFC 6532).
     *
     * @throws IllegalArgumentException if the name is not printable ASCII without ':' (RFC 5322 section 2.2,
     *                                  HDR-08), the value holds CR or LF (which would inject a field), or
     *                                  an unbreakable run would make a line longer than 998 octets
     */
    public static HeaderField of(String name, String value) {
        HeaderSection.checkName(name);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("CR, LF or NUL in header value");
            }
        }
        StringBuilder out = new StringBuilder(name.length() + value.length() + 8);
        out.append(name).append(':');
        int lineStart = 0;
        int lineLen = utf8Len(out, 0, out.length());
        // Segments are a run of WSP followed by a run of non-WSP; folding only happens before a segment,
        // so a continuation line always starts with WSP and is never white space only (RFC 5322 3.2.2).
        int i = 0;
        boolean first = true;
        while (i < value.length()) {
            int segStart = i;
            while (i < value.length() && isWsp(value.charAt(i))) {
                i++;
            }
            while (i < value.length() && !isWsp(value.charAt(i))) {
                i++;
            }
            String seg = value.substring(segStart, i);
            if (first) {
                // The value proper starts after one SP following the colon.
                seg = " " + seg;
                first = false;
            }
            int segLen = utf8Len(seg, 0, seg.length());
            boolean startsWithWsp = isWsp(seg.charAt(0)) && segStart > 0;
            boolean hasText = !seg.isBlank();
            if (lineLen + segLen > SOFT_LINE_LIMIT && startsWithWsp && hasText && out.length() > lineStart) {
                out.append("\r\n");
                lineStart = out.length();
                lineLen = 0;
            }
            out.append(seg);
            lineLen += segLen;
            if (lineLen > HARD_LINE_LIMIT) {
                throw new IllegalArgumentException("header line would exceed " + HARD_LINE_LIMIT + " octets");
            }
        }
        out.append("\r\n");
        return new HeaderField(name, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isWsp(char c) {
        return c == ' ' || c == '\t';
    }

    private static int utf8Len(CharSequence s, int from, int to) {
        return s.subSequence(from, to).toString().getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderField f && f.name.equals(name) && Arrays.equals(f.raw, raw);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return new String(raw, StandardCharsets.ISO_8859_1).stripTrailing();
    }
}
