package dev.mailroom.sasl;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Shared checks on decoded SASL fields, so every mechanism rejects the same bad input the same way. */
final class SaslText {

    /** RFC 4616 section 2: "up to 255 octets" for each of authzid, authcid and passwd. */
    static final int MAX_FIELD_OCTETS = 255;

    private SaslText() {
    }

    /**
     * Strict UTF-8 decoding: RFC 4616 section 2 and RFC 5802 section 5.1 require UTF-8, and a lenient
     * decoder would map bad bytes to U+FFFD, letting two different byte strings name the same user.
     */
    static Optional<String> utf8(byte[] bytes, int from, int to) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    static Optional<String> utf8(byte[] bytes) {
        return utf8(bytes, 0, bytes.length);
    }

    /**
     * SASL-04: CR or LF inside a decoded field could forge extra SMTP reply or log lines once the value is
     * echoed (greenmail PR #1011); NUL is the PLAIN separator and never legitimate inside a field.
     */
    static boolean hasLineBreakOrNul(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n' || c == '\0') {
                return true;
            }
        }
        return false;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
