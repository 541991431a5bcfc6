package dev.mailroom.transfer;

import java.util.Locale;

/** What the transfer policy reads in a local part: its canonical form, role mailboxes, routing syntax. */
final class LocalPart {
    private LocalPart() {
    }

    /**
     * The local part with needless quotes removed: {@code "alice"} and {@code alice} name the same mailbox
     * (RFC 5322 section 3.2.4: a quoted-string is semantically the same as the atom it quotes). A quoted
     * string whose content is not a dot-atom keeps its quotes, so {@code "user@other"} never turns into an
     * address with two {@code @}.
     */
    static String canonical(String localPart) {
        if (localPart.length() < 2 || localPart.charAt(0) != '"' || localPart.charAt(localPart.length() - 1) != '"') {
            return localPart;
        }
        StringBuilder content = new StringBuilder(localPart.length());
        for (int i = 1; i < localPart.length() - 1; i++) {
            char c = localPart.charAt(i);
            if (c == '\\' && i + 1 < localPart.length() - 1) {
                c = localPart.charAt(++i); // quoted-pairSMTP (RFC 5321 section 4.1.2)
            }
            content.append(c);
        }
        return isDotAtom(content) ? content.toString() : localPart;
    }

    /**
     * postmaster (RFC 5321 section 4.5.1: every domain that takes mail MUST have it, case-insensitive) and
     * abuse (RFC 2142 section 2: the address for complaints about the site's users and hosts).
     */
    static boolean isRoleMailbox(String canonicalLocalPart) {
        String l = canonicalLocalPart.toLowerCase(Locale.ROOT);
        return l.equals("postmaster") || l.equals("abuse");
    }

    /**
     * Whether the local part carries a route chosen by the sender, the oldest open-relay tricks:
     * <ul>
     *   <li>{@code %}: the "%-hack" (RFC 1123 section 5.2.16), {@code user%other@ours} rewritten by old MTAs to
     *       {@code user@other} and sent on;</li>
     *   <li>{@code !}: a UUCP bang path, {@code other!user@ours};</li>
     *   <li>{@code @} inside a quoted local part: {@code "user@other"@ours}, which MTAs that strip quotes
     *       and parse again turn into a relay to {@code other}.</li>
     * </ul>
     * Mailroom gives these characters no meaning, but the next hop might (today every message goes on to a
     * smarthost), so the transfer policy never accepts such an address from a client that may not relay.
     */
    static boolean routes(String localPart) {
        return localPart.indexOf('%') >= 0 || localPart.indexOf('!') >= 0 || localPart.indexOf('@') >= 0;
    }

    /** Dot-string of RFC 5321 section 4.1.2 (ASCII atext, or any non-ASCII as RFC 6531 section 3.3 allows). */
    private static boolean isDotAtom(CharSequence s) {
        if (s.isEmpty() || s.charAt(0) == '.' || s.charAt(s.length() - 1) == '.') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean atext = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0 || c >= 0x80;
            if (c == '.' ? s.charAt(i - 1) == '.' : !atext) {
                return false;
            }
        }
        return true;
    }
}
