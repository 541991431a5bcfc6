package dev.mailroom.message;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The {@code TLS-Required: No} header field of RFC 8689 section 5, by which a sender asks that the message be
 * delivered even where MTA-STS or DANE policies cannot be met.
 */
public final class TlsRequiredField {
    private static final String NAME = "tls-required";

    private TlsRequiredField() {
    }

    /**
     * Whether the header section at the start of {@code content} (up to its first empty line, or {@code length})
     * has a TLS-Required field whose value, unfolded and without white space, is "No" in any case.
     */
    public static boolean saysNo(byte[] content, int length) {
        int i = 0;
        while (i < length) {
            int end = i;
            while (end < length && content[end] != '\n') {
                end++;
            }
            int lineEnd = end > i && content[end - 1] == '\r' ? end - 1 : end;
            if (lineEnd == i) {
                return false; // the empty line: end of the header section
            }
            String line = new String(content, i, lineEnd - i, StandardCharsets.ISO_8859_1);
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(NAME)) {
                StringBuilder value = new StringBuilder(line.substring(colon + 1));
                int next = end + 1;
                // folded continuation lines (RFC 5322 section 2.2.3) belong to the value
                while (next < length && (content[next] == ' ' || content[next] == '\t')) {
                    int e = next;
                    while (e < length && content[e] != '\n') {
                        e++;
                    }
                    value.append(new String(content, next, e - next, StandardCharsets.ISO_8859_1));
                    next = e + 1;
                }
                if (value.toString().replaceAll("[ \\t\\r]", "").equalsIgnoreCase("No")) {
                    return true;
                }
            }
            i = end + 1;
        }
        return false;
    }
}
