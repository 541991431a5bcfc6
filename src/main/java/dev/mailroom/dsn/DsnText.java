package dev.mailroom.dsn;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Encodings of values inside a DSN: dates, and text that must stay ASCII outside RFC 6533's global types. */
final class DsnText {

    /** RFC 5322 section 3.3 date-time, as RFC 3464 section 2.2.5 asks for Arrival-Date and the others. */
    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ENGLISH);

    private DsnText() {
    }

    static String date(Instant instant, ZoneId zone) {
        return RFC5322_DATE.format(instant.atZone(zone));
    }

    /**
     * Text for a field of message/delivery-status, which is ASCII (RFC 3464 section 2.1): every code point
     * outside printable ASCII (TAB and SP stay) becomes RFC 6533's EmbeddedUnicodeChar {@code \x{HEX}}, so
     * nothing is lost and the part stays 7-bit. With {@code global} (message/global-delivery-status, RFC 6533
     * section 6) UTF-8 stays as it is and only control characters are escaped.
     */
    static String text(String s, boolean global) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            boolean control = cp < 0x20 && cp != '\t' || cp == 0x7F;
            boolean nonAscii = cp > 0x7F;
            if (control || nonAscii && !global) {
                out.append(embedded(cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    /**
     * RFC 6533 section 3 utf-8-addr-xtext: QCHAR (printable ASCII but "+", "=" and "\") as itself, every other
     * code point as EmbeddedUnicodeChar. How a non-ASCII address is written in an ASCII delivery-status part.
     */
    static String utf8AddrXtext(String address) {
        StringBuilder out = new StringBuilder(address.length() + 16);
        address.codePoints().forEach(cp -> {
            if (cp >= 0x21 && cp <= 0x7E && cp != '+' && cp != '=' && cp != '\\') {
                out.appendCodePoint(cp);
            } else {
                out.append(embedded(cp));
            }
        });
        return out.toString();
    }

    /** RFC 6533 section 3 EmbeddedUnicodeChar: {@code "\x{" HEXPOINT "}"}, upper-case, no leading zeros past two digits. */
    static String embedded(int codePoint) {
        String hex = Integer.toHexString(codePoint).toUpperCase(Locale.ROOT);
        return "\\x{" + (hex.length() < 2 ? "0" + hex : hex) + "}";
    }

    static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }
}
