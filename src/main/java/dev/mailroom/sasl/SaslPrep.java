package dev.mailroom.sasl;

import java.text.Normalizer;

/**
 * A reduced SASLprep (RFC 4013) for SCRAM passwords, which RFC 5802 section 2.2 requires to be "Normalize"d
 * before Hi(). Implemented: mapping of non-ASCII spaces to SPACE (RFC 4013 section 2.1, RFC 3454 C.1.2),
 * removal of "commonly mapped to nothing" characters (B.1), NFKC (section 2.2) and the prohibition of
 * control characters, private-use characters, surrogates and non-characters (section 2.3). Not implemented:
 * the bidirectional check and the unassigned-code-point check (RFC 3454 sections 6 and 7); both only
 * matter for passwords in right-to-left scripts or code points newer than Unicode 3.2.
 */
final class SaslPrep {

    private SaslPrep() {
    }

    /** @throws IllegalArgumentException if the string contains a prohibited character (RFC 4013 section 2.3) */
    static String prepare(String input) {
        StringBuilder mapped = new StringBuilder(input.length());
        input.codePoints().forEach(cp -> {
            if (isMappedToNothing(cp)) {
                return;
            }
            mapped.appendCodePoint(Character.isSpaceChar(cp) && cp != ' ' ? ' ' : cp);
        });
        String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        normalized.codePoints().forEach(cp -> {
            if (isProhibited(cp)) {
                throw new IllegalArgumentException("prohibited character U+" + Integer.toHexString(cp));
            }
        });
        return normalized;
    }

    private static boolean isMappedToNothing(int cp) {
        return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || (cp >= 0x180B && cp <= 0x180D)
                || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || (cp >= 0xFE00 && cp <= 0xFE0F)
                || cp == 0xFEFF;
    }

    private static boolean isProhibited(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.PRIVATE_USE || type == Character.SURROGATE
                || (cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF)
                || (cp >= 0x2FF0 && cp <= 0x2FFB) || (cp >= 0x200E && cp <= 0x200F) // C.7, C.8
                || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x206A && cp <= 0x206F);
    }
}
