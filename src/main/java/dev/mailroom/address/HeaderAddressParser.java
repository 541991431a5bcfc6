package dev.mailroom.address;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Parser for the address fields of RFC 5322 section 3.4 (From, Sender, Reply-To, To, Cc, Bcc), with the
 * obsolete forms of section 4.4 accepted on input as section 4 requires, and UTF-8 (RFC 6532 section 3.2)
 * when the message is an SMTPUTF8 one.
 *
 * <p>Each address keeps the span of its addr-spec in the value, so that the submission policy can qualify an
 * unqualified address in place (RFC 6409 section 8.8, MSA-09) without touching any other byte: a rewritten
 * header must not change what the author wrote in display names or comments (HDR-10's spirit).
 */
public final class HeaderAddressParser {

    /**
     * @param displayName the phrase before the angle-addr with comments dropped, quotes removed and runs of
     *                    white space turned into one space; null when there is none (RFC 2047 encoded words
     *                    are left as they are)
     * @param mailbox     the addr-spec; domain null when the value had no "@" (e.g. {@code To: bob})
     * @param start       index in the value of the first character of the addr-spec
     * @param end         index just past its last character
     */
    public record HeaderAddress(String displayName, Mailbox mailbox, int start, int end) {
    }

    private HeaderAddressParser() {
    }

    /**
     * An address-list (RFC 5322 section 3.4): mailboxes and groups; group members are returned flattened
     * in order and an empty group gives nothing. An empty (or CFWS-only) value gives an empty list because
     * section 3.6.3 allows an empty Bcc; callers that need at least one address check the size.
     */
    public static List<HeaderAddress> parseAddressList(String value, boolean allowUtf8) throws AddressException {
        return new Parser(value, allowUtf8).list(true);
    }

    /** A mailbox-list (RFC 5322 section 3.4), as in From: no groups, and at least one mailbox. */
    public static List<HeaderAddress> parseMailboxList(String value, boolean allowUtf8) throws AddressException {
        List<HeaderAddress> list = new Parser(value, allowUtf8).list(false);
        if (list.isEmpty()) {
            throw new AddressException("empty address list");
        }
        return list;
    }

    /** Exactly one mailbox, as Sender requires (RFC 5322 section 3.6.2). */
    public static HeaderAddress parseMailbox(String value, boolean allowUtf8) throws AddressException {
        List<HeaderAddress> list = parseMailboxList(value, allowUtf8);
        if (list.size() != 1) {
            throw new AddressException("exactly one mailbox expected");
        }
        return list.getFirst();
    }

    /**
     * Replaces the addr-spec of each address whose mailbox {@code f} changes by the new mailbox's
     * {@link Mailbox#address()}; every other character of {@code value} stays as it was.
     *
     * @param addresses addresses obtained by parsing this very value
     */
    public static String rewrite(String value, List<HeaderAddress> addresses, Function<Mailbox, Mailbox> f) {
        List<HeaderAddress> sorted = new ArrayList<>(addresses);
        sorted.sort(Comparator.comparingInt(HeaderAddress::start));
        StringBuilder out = new StringBuilder(value.length() + 32);
        int copied = 0;
        for (HeaderAddress a : sorted) {
            if (a.start() < copied || a.end() > value.length() || a.start() > a.end()) {
                throw new IllegalArgumentException("address spans do not belong to this value");
            }
            Mailbox replacement = f.apply(a.mailbox());
            if (replacement == null || replacement.equals(a.mailbox())) {
                continue;
            }
            out.append(value, copied, a.start()).append(replacement.address());
            copied = a.end();
        }
        return out.append(value, copied, value.length()).toString();
    }

    private enum Kind { ATOM, QUOTED, LITERAL, SPECIAL, END }

    /** A lexical token; CFWS before it has been skipped, {@code spaced} says whether there was any. */
    private record Token(Kind kind, char special, int start, int end, boolean spaced) {
        boolean is(char c) {
            return kind == Kind.SPECIAL && special == c;
        }

        boolean isWord() {
            return kind == Kind.ATOM || kind == Kind.QUOTED;
        }
    }

    private static final class Parser {
        private final String s;
        private final boolean utf8;
        private int pos;
        private Token peeked;

        Parser(String s, boolean utf8) {
            this.s = s;
            this.utf8 = utf8;
        }

        List<HeaderAddress> list(boolean groups) throws AddressException {
            List<HeaderAddress> out = new ArrayList<>();
            while (true) {
                Token t = peek();
                if (t.kind() == Kind.END) {
                    return out;
                }
                if (t.is(',')) {
                    // obs-mbox-list / obs-addr-list (RFC 5322 section 4.4) allow empty elements.
                    next();
                    continue;
                }
                address(out, groups, false);
                t = next();
                if (t.kind() == Kind.END) {
                    return out;
                }
                if (!t.is(',')) {
                    throw unexpected(t);
                }
            }
        }

        /** address = mailbox / group; mailbox = name-addr / addr-spec (RFC 5322 section 3.4). */
        private void address(List<HeaderAddress> out, boolean groups, boolean inGroup) throws AddressException {
            List<Token> words = new ArrayList<>();
            while (peek().isWord() || peek().is('.')) {
                words.add(next());
            }
            Token t = peek();
            if (t.is('<')) {
                String name = words.isEmpty() ? null : phrase(words);
                out.add(angleAddr(name));
            } else if (t.is(':')) {
                // group = display-name ":" [group-list] ";" [CFWS]; groups do not nest.
                if (!groups || inGroup) {
                    throw new AddressException("group not allowed here");
                }
                if (words.isEmpty()) {
                    throw new AddressException("group without a name");
                }
                phrase(words);
                next();
                while (true) {
                    Token g = peek();
                    if (g.is(';')) {
                        next();
                        return;
                    }
                    if (g.kind() == Kind.END) {
                        throw new AddressException("unterminated group");
                    }
                    if (g.is(',')) {
                        next();
                        continue;
                    }
                    address(out, false, true);
                    g = peek();
                    if (!g.is(',') && !g.is(';')) {
                        throw g.kind() == Kind.END ? new AddressException("unterminated group") : unexpected(g);
                    }
                }
            } else if (t.is('@')) {
                if (words.isEmpty()) {
                    throw unexpected(t);
                }
                next();
                String local = localPart(words);
                int[] end = new int[1];
                String domain = domain(end);
                out.add(new HeaderAddress(null, new Mailbox(local, domain), words.getFirst().start(), end[0]));
            } else if (t.kind() == Kind.END || t.is(',') || t.is(';')) {
                if (words.isEmpty()) {
                    throw unexpected(t);
                }
                // An addr-spec without "@" ("To: bob"): returned unqualified for the policy (RFC 6409 8.8).
                String local = localPart(words);
                out.add(new HeaderAddress(null, new Mailbox(local, null), words.getFirst().start(), words.getLast().end()));
            } else {
                throw unexpected(t);
            }
        }

        /** angle-addr = [CFWS] "<" addr-spec ">" [CFWS] / obs-angle-addr (RFC 5322 sections 3.4, 4.4). */
        private HeaderAddress angleAddr(String name) throws AddressException {
            next(); // '<'
            if (peek().is('@')) {
                obsRoute();
            }
            List<Token> words = new ArrayList<>();
            while (peek().isWord() || peek().is('.')) {
                words.add(next());
            }
            if (words.isEmpty()) {
                throw peek().is('>') ? new AddressException("empty address") : unexpected(peek());
            }
            String local = localPart(words);
            String domain = null;
            int end = words.getLast().end();
            if (peek().is('@')) {
                next();
                int[] e = new int[1];
                domain = domain(e);
                end = e[0];
            }
            Token close = next();
            if (!close.is('>')) {
                throw close.kind() == Kind.END ? new AddressException("unbalanced '<'") : unexpected(close);
            }
            return new HeaderAddress(name, new Mailbox(local, domain), words.getFirst().start(), end);
        }

        /** obs-route = obs-domain-list ":" (RFC 5322 section 4.4): parsed and ignored, as RFC 5321 does. */
        private void obsRoute() throws AddressException {
            while (peek().is('@') || peek().is(',')) {
                if (next().is('@')) {
                    domain(new int[1]);
                }
            }
            if (!next().is(':')) {
                throw new AddressException("invalid route in address");
            }
        }

        /**
         * local-part = dot-atom / quoted-string / obs-local-part (word *("." word)); returned as written,
         * quotes kept, CFWS between the pieces of the obsolete form dropped.
         */
        private String localPart(List<Token> words) throws AddressException {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < words.size(); i++) {
                Token w = words.get(i);
                boolean expectWord = i % 2 == 0;
                if (expectWord != w.isWord() || (!expectWord && !w.is('.'))) {
                    throw new AddressException(words.stream().anyMatch(x -> x.is('.')) ? "invalid local-part"
                            : "invalid address (missing '@' or angle brackets?)");
                }
                b.append(s, w.start(), w.end());
            }
            if (words.size() % 2 == 0) {
                throw new AddressException("invalid local-part");
            }
            return b.toString();
        }

        /** domain = dot-atom / domain-literal / obs-domain (RFC 5322 sections 3.4.1, 4.4). */
        private String domain(int[] end) throws AddressException {
            Token t = next();
            if (t.kind() == Kind.LITERAL) {
                end[0] = t.end();
                return s.substring(t.start(), t.end());
            }
            StringBuilder b = new StringBuilder();
            while (true) {
                if (t.kind() != Kind.ATOM) {
                    throw t.kind() == Kind.END ? new AddressException("missing domain") : new AddressException("invalid domain");
                }
                b.append(s, t.start(), t.end());
                end[0] = t.end();
                if (!peek().is('.')) {
                    return b.toString();
                }
                next();
                b.append('.');
                t = next();
            }
        }

        /** display-name = phrase (RFC 5322 section 3.2.5); obs-phrase allows "." after the first word. */
        private String phrase(List<Token> words) throws AddressException {
            if (!words.getFirst().isWord()) {
                throw new AddressException("invalid display name");
            }
            StringBuilder b = new StringBuilder();
            for (Token w : words) {
                if (!b.isEmpty() && w.spaced()) {
                    b.append(' ');
                }
                if (w.kind() == Kind.QUOTED) {
                    appendUnquoted(b, w);
                } else {
                    b.append(s, w.start(), w.end());
                }
            }
            return b.toString();
        }

        private void appendUnquoted(StringBuilder b, Token w) {
            for (int i = w.start() + 1; i < w.end() - 1; i++) {
                char c = s.charAt(i);
                if (c == '\\') {
                    c = s.charAt(++i);
                }
                b.append(c);
            }
        }

        private AddressException unexpected(Token t) {
            if (t.kind() == Kind.END) {
                return new AddressException("unexpected end of address list");
            }
            if (t.kind() == Kind.SPECIAL) {
                return new AddressException("unexpected '" + t.special() + "' in address list");
            }
            return new AddressException("unexpected text in address list");
        }

        // ---- lexer ----

        private Token peek() throws AddressException {
            if (peeked == null) {
                peeked = lex();
            }
            return peeked;
        }

        private Token next() throws AddressException {
            Token t = peek();
            peeked = null;
            return t;
        }

        private Token lex() throws AddressException {
            int before = pos;
            skipCfws();
            boolean spaced = pos > before;
            if (pos >= s.length()) {
                return new Token(Kind.END, '\0', pos, pos, spaced);
            }
            int start = pos;
            char c = s.charAt(pos);
            switch (c) {
                case '"' -> {
                    quoted();
                    return new Token(Kind.QUOTED, '\0', start, pos, spaced);
                }
                case '[' -> {
                    literal();
                    return new Token(Kind.LITERAL, '\0', start, pos, spaced);
                }
                case ')' -> throw new AddressException("unbalanced comment");
                case ']' -> throw new AddressException("unbalanced ']'");
                case '<', '>', ':', ';', '@', ',', '.' -> {
                    pos++;
                    return new Token(Kind.SPECIAL, c, start, pos, spaced);
                }
                default -> {
                    while (pos < s.length() && isAtext(s.charAt(pos))) {
                        pos++;
                    }
                    if (pos == start) {
                        throw invalid(c);
                    }
                    return new Token(Kind.ATOM, '\0', start, pos, spaced);
                }
            }
        }

        private AddressException invalid(char c) {
            if (c >= 0x80 && !utf8) {
                return new AddressException("non-ASCII address requires SMTPUTF8", true);
            }
            return new AddressException("invalid character in address list");
        }

        /** atext (RFC 5322 section 3.2.3), extended with UTF8-non-ascii by RFC 6532 section 3.2. */
        private boolean isAtext(char c) {
            return PathParser.isAtextAscii(c) || isUtf8(c);
        }

        /**
         * Non-ASCII is allowed only under RFC 6532. C1 controls and lone surrogates are not text, whatever
         * the charset the value was decoded with.
         */
        private boolean isUtf8(char c) {
            return utf8 && c > 0x9F && !(Character.isSurrogate(c) && !surrogatePairAt(pos));
        }

        private boolean surrogatePairAt(int i) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            }
            return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
        }

        private boolean isWsp(char c) {
            return c == ' ' || c == '\t';
        }

        /**
         * CFWS (RFC 5322 section 3.2.2): white space and comments, which nest. A CRLF is tolerated only as
         * folding, i.e. followed by WSP, in case the caller passes a value that is not unfolded.
         */
        private void skipCfws() throws AddressException {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (isWsp(c)) {
                    pos++;
                } else if (c == '\r' && s.startsWith("\r\n", pos) && pos + 2 < s.length() && isWsp(s.charAt(pos + 2))) {
                    pos += 3;
                } else if (c == '(') {
                    comment();
                } else {
                    return;
                }
            }
        }

        private void comment() throws AddressException {
            int depth = 0;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    if (--depth == 0) {
                        pos++;
                        return;
                    }
                } else if (c == '\\') {
                    pos++;
                    quotedPairChar();
                } else if (!isWsp(c) && !(c >= 33 && c <= 126) && !isUtf8(c)) {
                    throw invalid(c);
                }
                pos++;
            }
            throw new AddressException("unbalanced comment");
        }

        /** The character after "\": VCHAR / WSP (quoted-pair, RFC 5322 section 3.2.1). */
        private void quotedPairChar() throws AddressException {
            if (pos >= s.length()) {
                throw new AddressException("unbalanced quote");
            }
            char c = s.charAt(pos);
            if (!isWsp(c) && !(c >= 33 && c <= 126) && !isUtf8(c)) {
                throw invalid(c);
            }
        }

        /** quoted-string (RFC 5322 section 3.2.4): qtext is %d33 / %d35-91 / %d93-126, plus FWS. */
        private void quoted() throws AddressException {
            pos++;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '"') {
                    pos++;
                    return;
                }
                if (c == '\\') {
                    pos++;
                    quotedPairChar();
                } else if (!isWsp(c) && !(c >= 33 && c <= 126) && !isUtf8(c)) {
                    throw invalid(c);
                }
                pos++;
            }
            throw new AddressException("unbalanced quote");
        }

        /** domain-literal (RFC 5322 section 3.4.1): dtext is %d33-90 / %d94-126, plus FWS. */
        private void literal() throws AddressException {
            pos++;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ']') {
                    pos++;
                    return;
                }
                if (c == '[') {
                    throw new AddressException("invalid domain literal");
                }
                if (c == '\\') {
                    // obs-dtext allows quoted-pair (RFC 5322 section 4.4).
                    pos++;
                    quotedPairChar();
                } else if (!isWsp(c) && !(c >= 33 && c <= 126) && !isUtf8(c)) {
                    throw invalid(c);
                }
                pos++;
            }
            throw new AddressException("unbalanced '['");
        }
    }
}
