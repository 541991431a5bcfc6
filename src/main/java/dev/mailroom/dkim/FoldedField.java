package dev.mailroom.dkim;

/**
 * Builds a generated header field's text with folding at the places the DKIM-Signature grammar allows white
 * space (RFC 6376 section 3.5: FWS around tags, around the colons of h=, anywhere in base64), so that no line
 * exceeds 78 characters (RFC 5322 section 2.1.1, HDR-07). Folds are CRLF SP.
 */
final class FoldedField {
    static final int LINE_LIMIT = 78;
    /** Base64 is not split into slivers: fewer than this many characters left on a line, it starts a new one. */
    private static final int MIN_BASE64_PIECE = 8;

    private final StringBuilder text;
    private int column;

    FoldedField(String name) {
        text = new StringBuilder(512).append(name).append(':');
        column = text.length();
    }

    /** A piece that begins a tag: after one space, or at the start of a new line if it does not fit. */
    FoldedField startTag(String piece) {
        if (column + 1 + piece.length() > LINE_LIMIT) {
            fold();
        } else {
            text.append(' ');
            column++;
        }
        return append(piece);
    }

    /** A piece that continues a tag at a place where FWS is allowed before it (":name" in h=, ";"). */
    FoldedField continueTag(String piece) {
        if (column + piece.length() > LINE_LIMIT) {
            fold();
        }
        return append(piece);
    }

    /** A base64 value (bh=, b=), which may be folded between any two characters. */
    FoldedField base64(String value) {
        int i = 0;
        while (i < value.length()) {
            int remaining = value.length() - i;
            if (LINE_LIMIT - column < Math.min(MIN_BASE64_PIECE, remaining)) {
                fold();
            }
            int n = Math.min(LINE_LIMIT - column, remaining);
            append(value.substring(i, i + n));
            i += n;
        }
        return this;
    }

    private FoldedField append(String piece) {
        text.append(piece);
        column += piece.length();
        return this;
    }

    private void fold() {
        text.append("\r\n ");
        column = 1;
    }

    /** The field so far, without the final CRLF. */
    String text() {
        return text.toString();
    }
}
