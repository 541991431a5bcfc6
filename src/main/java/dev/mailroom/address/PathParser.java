package dev.mailroom.address;

import java.net.IDN;

/**
 * Parser for the RFC 5321 Path of MAIL FROM and RCPT TO (RFC 5321 section 4.1.2), with the RFC 6531
 * section 3.3 extensions when SMTPUTF8 is in effect.
 *
 * <p>Written by hand rather than with a regular expression so that every rejection carries a precise reason
 * (SMTP-11, MSA-12) and so that quoted local-parts containing {@code >} or spaces are handled correctly.
 * The input is the command line already decoded as UTF-8, with malformed byte sequences replaced by
 * U+FFFD; that replacement character and unpaired surrogates are therefore taken as invalid UTF-8.
 */
public final class PathParser {

    /** RFC 5321 section 4.5.3.1.1: local-part at most 64 octets. */
    public static final int MAX_LOCAL_PART = 64;
    /** RFC 5321 section 4.5.3.1.2: domain at most 255 octets. */
    public static final int MAX_DOMAIN = 255;
    /** RFC 5321 section 4.5.3.1.3: path at most 256 octets including the punctuation. */
    public static final int MAX_PATH = 256;
    /** RFC 1035 section 2.3.4: a DNS label is at most 63 octets. */
    public static final int MAX_LABEL = 63;

    /**
     * @param mailbox the mailbox with any source route stripped, or null for the null path {@code <>}
     * @param end     index in the input just past the closing {@code >}, where ESMTP parameters may start
     */
    public record ParsedPath(Mailbox mailbox, int end) {
        public boolean isNull() {
            return mailbox == null;
        }
    }

    /**
     * @param allowNull        accept {@code <>} (the reverse-path of MAIL FROM, RFC 5321 section 4.5.5)
     * @param allowUnqualified accept a path without {@code @domain}; the submission policy then completes or
     *                         rejects it (RFC 6409 section 8.8, MSA-08)
     * @param allowUtf8        SMTPUTF8 was given on MAIL (RFC 6531 section 3.3)
     */
    public record Options(boolean allowNull, boolean allowUnqualified, boolean allowUtf8) {
        public static final Options REVERSE_PATH = new Options(true, false, false);
        public static final Options FORWARD_PATH = new Options(false, false, false);

        public Options withUtf8(boolean utf8) {
            return new Options(allowNull, allowUnqualified, utf8);
        }
    }

    private PathParser() {
    }

    /**
     * Parses a Path beginning at {@code s.charAt(start)}, which must be {@code '<'}. Whatever follows the
     * closing {@code '>'} is left to the caller (ESMTP parameters).
     */
    public static ParsedPath parse(String s, int start, Options options) throws AddressException {
        return new Cursor(s, start, options).path();
    }

    /** Convenience for a whole argument such as {@code "<a@example.org>"}; nothing may follow the path. */
    public static Mailbox parseWhole(String s, Options options) throws AddressException {
        ParsedPath p = parse(s, 0, options);
        if (p.end() != s.length()) {
            throw new AddressException("unexpected text after path");
        }
        return p.mailbox();
    }

    /**
     * True if {@code domain} is an RFC 5321 Domain (section 4.1.2) of LDH labels or U-labels (RFC 6531
     * section 3.3), within the length limits. Address literals are not domains here.
     */
    public static boolean isValidDomain(String domain) {
        return isValidDomain(domain, true);
    }

    /** As {@link #isValidDomain(String)}, with U-labels accepted only when {@code allowUtf8}. */
    public static boolean isValidDomain(String domain, boolean allowUtf8) {
        if (domain == null) {
            return false;
        }
        try {
            Cursor c = new Cursor(domain, 0, new Options(false, false, allowUtf8));
            c.domain();
            return c.pos == domain.length();
        } catch (AddressException e) {
            return false;
        }
    }

    /**
     * The domain as it goes to DNS: U-labels converted to A-labels (RFC 6531 section 3.2, UTF8-03). ASCII
     * domains and address literals are returned unchanged; null stays null.
     *
     * @throws IllegalArgumentException if the domain is not valid
     */
    public static String toAsciiDomain(String domain) {
        if (domain == null || domain.startsWith("[") || isAscii(domain)) {
            return domain;
        }
        if (!isValidDomain(domain, true)) {
            throw new IllegalArgumentException("invalid domain");
        }
        return aLabels(domain);
    }

    /** Converts each U-label of an already validated domain to its A-label. */
    private static String aLabels(String domain) {
        StringBuilder out = new StringBuilder(domain.length() + 16);
        for (String label : domain.split("\\.", -1)) {
            if (!out.isEmpty()) {
                out.append('.');
            }
            out.append(isAscii(label) ? label : IDN.toASCII(label, IDN.ALLOW_UNASSIGNED | IDN.USE_STD3_ASCII_RULES));
        }
        return out.toString();
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    static int utf8Length(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** RFC 5322 section 3.2.3 atext, which RFC 5321 section 4.1.2 reuses for Atom. */
    static boolean isAtextAscii(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    static boolean isLetDig(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** One pass over the input; {@code pos} only moves forward. */
    private static final class Cursor {
        final String s;
        final Options o;
        int pos;

        Cursor(String s, int start, Options o) {
            this.s = s;
            this.pos = start;
            this.o = o;
        }

        boolean at(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        AddressException bad(String where) {
            if (pos >= s.length()) {
                return new AddressException("unterminated path");
            }
            char c = s.charAt(pos);
            if (c >= 0x80 && !o.allowUtf8()) {
                // RFC 6531 section 3.5: without SMTPUTF8 a non-ASCII address is refused with its own code.
                return new AddressException("non-ASCII address requires SMTPUTF8", true);
            }
            return new AddressException("invalid character in " + where);
        }

        /**
         * A UTF8-non-ascii character (RFC 6532 section 3.1) starting at pos, or 0 if there is none. Returns
         * the number of chars it occupies. U+FFFD and lone surrogates mean the bytes were not valid UTF-8.
         */
        int utf8NonAscii() {
            if (!o.allowUtf8() || pos >= s.length()) {
                return 0;
            }
            char c = s.charAt(pos);
            if (c < 0x80 || c == '\uFFFD') {
                return 0;
            }
            // C1 controls are UTF-8 encodable but are controls all the same; RFC 6530 section 10.1 warns
            // against them in addresses.
            if (c <= 0x9F) {
                return 0;
            }
            if (Character.isHighSurrogate(c)) {
                return pos + 1 < s.length() && Character.isLowSurrogate(s.charAt(pos + 1)) ? 2 : 0;
            }
            return Character.isLowSurrogate(c) ? 0 : 1;
        }

        ParsedPath path() throws AddressException {
            int start = pos;
            if (!at('<')) {
                throw new AddressException("path must begin with '<'");
            }
            pos++;
            if (at('>')) {
                // RFC 5321 section 4.5.5: the null reverse-path, only for MAIL FROM.
                if (!o.allowNull()) {
                    throw new AddressException("null path not allowed here");
                }
                return new ParsedPath(null, pos + 1);
            }
            if (at('@')) {
                sourceRoute();
            }
            String local = localPart();
            Mailbox mailbox;
            if (at('@')) {
                pos++;
                String domain = at('[') ? addressLiteral() : domain();
                mailbox = new Mailbox(local, domain);
            } else if (at('>')) {
                // RFC 5321 section 4.1.1.3: "<Postmaster>" without a domain must always be accepted
                // (SMTP-41); other unqualified paths only where the policy can complete them (RFC 6409
                // section 8.8). The local-part is compared case-insensitively as the RFC demands for it.
                boolean postmaster = local.equalsIgnoreCase("postmaster");
                if (!postmaster && !o.allowUnqualified()) {
                    throw new AddressException("address must be fully qualified");
                }
                mailbox = new Mailbox(local, null);
            } else {
                throw bad("local-part");
            }
            if (!at('>')) {
                throw bad(mailbox.domain() == null ? "local-part" : "domain");
            }
            pos++;
            // RFC 5321 section 4.5.3.1.3 counts the whole path including "<", ">" and any source route.
            if (utf8Length(s.subSequence(start, pos)) > MAX_PATH) {
                throw new AddressException("path too long (max " + MAX_PATH + " octets)");
            }
            return new ParsedPath(mailbox, pos);
        }

        /**
         * A-d-l = At-domain *( "," At-domain ) ":" (RFC 5321 section 4.1.2). Section 3.6.1 says such routes
         * SHOULD NOT be used but MUST be accepted; section 4.1.1.3 lets us ignore them, so they are checked
         * and dropped (SMTP-42).
         */
        void sourceRoute() throws AddressException {
            while (true) {
                pos++; // the '@'
                if (at('[')) {
                    // At-domain is "@" Domain only: literals are not part of the route grammar.
                    throw new AddressException("invalid source route");
                }
                domain();
                if (at(',')) {
                    pos++;
                    if (!at('@')) {
                        throw bad("source route");
                    }
                } else if (at(':')) {
                    pos++;
                    return;
                } else {
                    throw bad("source route");
                }
            }
        }

        /** Local-part = Dot-string / Quoted-string (RFC 5321 section 4.1.2), returned exactly as sent. */
        String localPart() throws AddressException {
            int start = pos;
            if (at('"')) {
                quotedString();
            } else {
                dotString();
            }
            String local = s.substring(start, pos);
            if (utf8Length(local) > MAX_LOCAL_PART) {
                throw new AddressException("local-part too long (max " + MAX_LOCAL_PART + " octets)");
            }
            return local;
        }

        /** Dot-string = Atom *("." Atom); RFC 6531 section 3.3 adds UTF8-non-ascii to atext. */
        void dotString() throws AddressException {
            while (true) {
                int atomStart = pos;
                while (pos < s.length()) {
                    if (isAtextAscii(s.charAt(pos))) {
                        pos++;
                        continue;
                    }
                    int n = utf8NonAscii();
                    if (n == 0) {
                        break;
                    }
                    pos += n;
                }
                if (pos == atomStart) {
                    // Empty atom: leading dot, ".." or trailing dot (RFC 5321 section 4.1.2: Atom is 1*atext).
                    throw at('.') || (pos > 0 && s.charAt(pos - 1) == '.') ? new AddressException("empty atom in local-part")
                            : bad("local-part");
                }
                if (!at('.')) {
                    return;
                }
                pos++;
            }
        }

        /**
         * Quoted-string = DQUOTE *QcontentSMTP DQUOTE; qtextSMTP is %d32-33 / %d35-91 / %d93-126 and
         * quoted-pairSMTP is "\" followed by %d32-126 (RFC 5321 section 4.1.2). RFC 6531 section 3.3 adds
         * UTF8-non-ascii to qtextSMTP.
         */
        void quotedString() throws AddressException {
            pos++;
            while (true) {
                if (pos >= s.length()) {
                    throw new AddressException("unterminated quoted string");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    pos++;
                    return;
                }
                if (c == '\\') {
                    pos++;
                    if (pos >= s.length()) {
                        throw new AddressException("unterminated quoted string");
                    }
                    char q = s.charAt(pos);
                    if (q < 32 || q > 126) {
                        throw bad("quoted string");
                    }
                    pos++;
                } else if (c >= 32 && c <= 126) {
                    pos++;
                } else {
                    int n = utf8NonAscii();
                    if (n == 0) {
                        throw bad("quoted string");
                    }
                    pos += n;
                }
            }
        }

        /**
         * Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str] (RFC 5321 section 4.1.2), or a
         * U-label under SMTPUTF8 (RFC 6531 section 3.3). The grammar has no trailing dot and no "_"
         * (SMTP-11); labels are at most 63 octets (RFC 1035 section 2.3.4).
         */
        String domain() throws AddressException {
            int start = pos;
            boolean nonAscii = false;
            while (true) {
                int labelStart = pos;
                boolean labelNonAscii = false;
                while (pos < s.length()) {
                    char c = s.charAt(pos);
                    if (isLetDig(c) || c == '-') {
                        pos++;
                        continue;
                    }
                    int n = utf8NonAscii();
                    if (n == 0) {
                        break;
                    }
                    labelNonAscii = true;
                    pos += n;
                }
                if (pos == labelStart) {
                    throw at('.') || pos >= s.length() || s.charAt(pos) == '>' || s.charAt(pos) == ','
                            || s.charAt(pos) == ':' ? new AddressException("empty label in domain") : bad("domain");
                }
                String label = s.substring(labelStart, pos);
                if (labelNonAscii) {
                    nonAscii = true;
                    checkULabel(label);
                } else {
                    if (label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
                        throw new AddressException("domain label must not begin or end with '-'");
                    }
                    if (label.length() > MAX_LABEL) {
                        throw new AddressException("domain label too long (max " + MAX_LABEL + " octets)");
                    }
                }
                if (!at('.')) {
                    break;
                }
                pos++;
            }
            String domain = s.substring(start, pos);
            if (utf8Length(domain) > MAX_DOMAIN) {
                throw new AddressException("domain too long (max " + MAX_DOMAIN + " octets)");
            }
            if (nonAscii && aLabels(domain).length() > MAX_DOMAIN) {
                // What goes to DNS is the A-label form (RFC 6531 section 3.2); it must fit too.
                throw new AddressException("domain too long (max " + MAX_DOMAIN + " octets)");
            }
            return domain;
        }

        /**
         * A U-label must convert to an A-label (IDNA, RFC 5890 section 2.3.2.1). java.net.IDN implements
         * IDNA2003, which the brief accepts; STD3 rules reject ASCII other than LDH, and the result is checked
         * to be one LDH label because IDNA2003 also maps the ideographic full stops to '.'.
         */
        private void checkULabel(String label) throws AddressException {
            String ascii;
            try {
                ascii = IDN.toASCII(label, IDN.ALLOW_UNASSIGNED | IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new AddressException("invalid internationalized domain label");
            }
            if (ascii.isEmpty() || ascii.length() > MAX_LABEL || ascii.indexOf('.') >= 0
                    || ascii.charAt(0) == '-' || ascii.charAt(ascii.length() - 1) == '-') {
                throw new AddressException("invalid internationalized domain label");
            }
            for (int i = 0; i < ascii.length(); i++) {
                char c = ascii.charAt(i);
                if (!isLetDig(c) && c != '-') {
                    throw new AddressException("invalid internationalized domain label");
                }
            }
        }

        /**
         * address-literal = "[" ( IPv4-address-literal / IPv6-address-literal / General-address-literal ) "]"
         * (RFC 5321 section 4.1.3). General literals need an IANA-registered tag and none exist besides
         * "IPv6", so anything else is refused: such an address could never be routed.
         */
        String addressLiteral() throws AddressException {
            int start = pos;
            int close = s.indexOf(']', pos);
            if (close < 0) {
                throw new AddressException("unterminated address literal");
            }
            String inner = s.substring(pos + 1, close);
            if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
                if (!isIpv6(inner.substring(5))) {
                    throw new AddressException("invalid IPv6 address literal");
                }
            } else if (!isIpv4(inner)) {
                if (inner.indexOf(':') > 0) {
                    throw new AddressException("unsupported address literal");
                }
                throw new AddressException("invalid IPv4 address literal");
            }
            pos = close + 1;
            return s.substring(start, pos);
        }
    }

    /** IPv4-address-literal = Snum 3("." Snum); Snum = 1*3DIGIT with value 0-255 (RFC 5321 section 4.1.3). */
    static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return false;
            }
            for (int i = 0; i < p.length(); i++) {
                if (p.charAt(i) < '0' || p.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * IPv6-addr = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp (RFC 5321 section 4.1.3): eight hex groups,
     * or fewer with one "::" standing for at least one zero group, where a trailing IPv4 address counts as
     * two groups.
     */
    static boolean isIpv6(String s) {
        if (s.isEmpty()) {
            return false;
        }
        int groups = 0;
        String hexPart = s;
        int lastColon = s.lastIndexOf(':');
        if (lastColon >= 0 && s.indexOf('.', lastColon) > 0) {
            if (!isIpv4(s.substring(lastColon + 1))) {
                return false;
            }
            groups = 2;
            // Keep a "::" just before the IPv4 part ("::ffff:1.2.3.4" style), drop a single separator colon.
            hexPart = s.substring(0, lastColon + 1);
            if (!hexPart.endsWith("::")) {
                hexPart = hexPart.substring(0, hexPart.length() - 1);
                if (hexPart.isEmpty()) {
                    return false;
                }
            }
        }
        int dc = hexPart.indexOf("::");
        if (dc >= 0 && hexPart.indexOf("::", dc + 1) >= 0) {
            return false;
        }
        if (dc < 0) {
            int n = countHexGroups(hexPart);
            return n >= 0 && n + groups == 8;
        }
        int left = countHexGroups(hexPart.substring(0, dc));
        int right = countHexGroups(hexPart.substring(dc + 2));
        // IPv6-comp allows at most 6 groups besides "::", IPv6v4-comp at most 4 besides "::" and the IPv4
        // part; counting the IPv4 part as two groups makes both "at most 6".
        return left >= 0 && right >= 0 && left + right + groups <= 6;
    }

    /** Number of 1*4HEXDIG groups separated by single colons, 0 for "", -1 if malformed. */
    private static int countHexGroups(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        String[] parts = s.split(":", -1);
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 4) {
                return -1;
            }
            for (int i = 0; i < p.length(); i++) {
                if (!isHexDigit(p.charAt(i))) {
                    return -1;
                }
            }
        }
        return parts.length;
    }

    private static boolean isHexDigit(char c) {
        // ASCII only: Character.digit would also accept full-width digits.
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
