package dev.mailroom.local;

import dev.mailroom.address.Mailbox;
import dev.mailroom.address.PathParser;
import java.util.Locale;

/**
 * The one canonical form of a local address, so that every spelling of the same mailbox finds the same
 * alias, user and directory.
 *
 * <p>Quoting is only notation: {@code "john"@example.org} and {@code john@example.org} are the same mailbox
 * (RFC 5321 section 4.1.2 says a sender should not quote what needs no quoting, and section 2.4 leaves the
 * meaning of the local-part to us). Case is folded, as Postfix's local(8) does and as Dovecot's default
 * {@code auth_username_format = %Lu} does, so a Maildir written here is the one Dovecot reads.
 */
final class LocalParts {

    private LocalParts() {
    }

    /** The content of a local-part: quotes removed and quoted-pairs unescaped ({@code "a\"b"} → {@code a"b}). */
    static String unquote(String localPart) {
        if (localPart.length() < 2 || localPart.charAt(0) != '"' || localPart.charAt(localPart.length() - 1) != '"') {
            return localPart;
        }
        StringBuilder sb = new StringBuilder(localPart.length());
        for (int i = 1; i < localPart.length() - 1; i++) {
            char c = localPart.charAt(i);
            if (c == '\\' && i + 1 < localPart.length() - 1) {
                c = localPart.charAt(++i); // RFC 5321 section 4.1.2 quoted-pairSMTP
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** Unquoted and lower-cased, then quoted again only if it is not a Dot-string. */
    static String canonical(String localPart) {
        String bare = unquote(localPart).toLowerCase(Locale.ROOT);
        return isDotString(bare) ? bare : quote(bare);
    }

    /**
     * The mailbox with canonical local-part and canonical domain (see {@link #domain}); an unqualified
     * mailbox stays unqualified.
     */
    static Mailbox canonical(Mailbox m) {
        return new Mailbox(canonical(m.localPart()), m.domain() == null ? null : domain(m.domain()));
    }

    /**
     * Lower case (domains are case-insensitive, RFC 5321 section 2.4) and U-labels as A-labels (RFC 5890),
     * so that both spellings of an internationalised domain are one domain.
     */
    static String domain(String domain) {
        try {
            return PathParser.toAsciiDomain(domain).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return domain.toLowerCase(Locale.ROOT); // not a valid domain: it will match nothing anyway
        }
    }

    /** Dot-string = Atom *("." Atom) (RFC 5321 section 4.1.2), non-ASCII allowed as in RFC 6531 section 3.3. */
    static boolean isDotString(String s) {
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean atext = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0 || c > 0x9F;
            if (!atext) {
                return false;
            }
        }
        return true;
    }

    private static String quote(String bare) {
        StringBuilder sb = new StringBuilder(bare.length() + 2).append('"');
        for (int i = 0; i < bare.length(); i++) {
            char c = bare.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }
}
