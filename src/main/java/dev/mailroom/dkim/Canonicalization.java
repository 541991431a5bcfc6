package dev.mailroom.dkim;

import java.io.ByteArrayOutputStream;

/**
 * The two canonicalization algorithms of RFC 6376 section 3.4 (DKIM-08), for one header field and, through
 * {@link BodyHasher}, for the body. Both work on bytes: 8-bit header text and bodies hash as they are.
 */
public enum Canonicalization {
    /** Section 3.4.1 (header: unchanged) and 3.4.3 (body: trailing empty lines dropped, CRLF added if missing). */
    SIMPLE("simple") {
        @Override
        byte[] header(byte[] field) {
            return field.clone();
        }

        @Override
        BodyCanonicalizer body() {
            return new BodyCanonicalizer.Simple();
        }
    },
    /** Section 3.4.2 (header: lower-case name, unfolded, white space compressed) and 3.4.4 (body). */
    RELAXED("relaxed") {
        @Override
        byte[] header(byte[] field) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(field.length);
            int colon = 0;
            while (colon < field.length && field[colon] != ':') {
                colon++;
            }
            // The name in lower case, without white space before the colon.
            int nameEnd = colon;
            while (nameEnd > 0 && isWsp(field[nameEnd - 1])) {
                nameEnd--;
            }
            for (int i = 0; i < nameEnd; i++) {
                byte b = field[i];
                out.write(b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b);
            }
            out.write(':');
            // The value unfolded (every CR and LF removed), runs of WSP as one SP, none at either end.
            boolean pendingSpace = false;
            boolean started = false;
            for (int i = colon + 1; i < field.length; i++) {
                byte b = field[i];
                if (b == '\r' || b == '\n') {
                    continue;
                }
                if (isWsp(b)) {
                    pendingSpace = started;
                    continue;
                }
                if (pendingSpace) {
                    out.write(' ');
                    pendingSpace = false;
                }
                out.write(b);
                started = true;
            }
            out.write('\r');
            out.write('\n');
            return out.toByteArray();
        }

        @Override
        BodyCanonicalizer body() {
            return new BodyCanonicalizer.Relaxed();
        }
    };

    private final String tagValue;

    Canonicalization(String tagValue) {
        this.tagValue = tagValue;
    }

    /** "simple" or "relaxed", as in the c= tag. */
    public String tagValue() {
        return tagValue;
    }

    /**
     * The canonical form of one header field.
     *
     * @param field the whole field as it appears in the message, continuation lines and final CRLF included
     * @return the canonical field, ending in CRLF
     */
    abstract byte[] header(byte[] field);

    /** A fresh state machine for one body. */
    abstract BodyCanonicalizer body();

    static boolean isWsp(byte b) {
        return b == ' ' || b == '\t';
    }

    /** The c= tag's pair (RFC 6376 section 3.5): header algorithm, then body algorithm. */
    public record Pair(Canonicalization header, Canonicalization body) {
        public static final Pair RELAXED_RELAXED = new Pair(RELAXED, RELAXED);

        /**
         * Parses "relaxed/relaxed", "relaxed/simple", "simple/relaxed", "simple/simple", or one name alone, which
         * RFC 6376 section 3.5 reads as that header algorithm with the simple body algorithm.
         */
        public static Pair parse(String text) {
            int slash = text.indexOf('/');
            String header = slash < 0 ? text : text.substring(0, slash);
            String body = slash < 0 ? "simple" : text.substring(slash + 1);
            return new Pair(named(header, text), named(body, text));
        }

        private static Canonicalization named(String name, String whole) {
            for (Canonicalization c : values()) {
                if (c.tagValue.equals(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("must be relaxed/relaxed, relaxed/simple, simple/relaxed or "
                    + "simple/simple, got " + whole);
        }

        /** The c= value, always with both halves. */
        public String tagValue() {
            return header.tagValue + "/" + body.tagValue;
        }
    }
}
