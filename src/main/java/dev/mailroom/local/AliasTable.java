package dev.mailroom.local;

import dev.mailroom.address.AddressException;
import dev.mailroom.address.Mailbox;
import dev.mailroom.address.PathParser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parsed aliases, in sendmail {@code aliases(5)} syntax:
 *
 * <pre>
 * # comment (a line whose first non-blank character is '#')
 * postmaster: root                      # no domain: in every local domain
 * sales@example.org: alice, bob@example.net
 * "john smith": john                    # quoted local-part
 * team: alice,
 *       bob                             # a line starting with white space continues the previous one
 * @example.org: catchall                # every unknown address of example.org
 * alice: \alice, alice@backup.example   # "\alice": the mailbox itself, not the alias again
 * </pre>
 *
 * Keys are case-insensitive. Targets that run programs or write files ({@code |command}, {@code /path},
 * {@code :include:}) are refused when the file is read: a line in this file would otherwise let whoever can
 * write it run code as the mail server, and nothing in Mailroom needs them.
 */
public final class AliasTable {

    /** An alias: its key as written, targets, and the line it starts on. */
    public record Entry(String key, List<AliasTarget> targets, int line) {
        public Entry {
            targets = List.copyOf(targets);
        }
    }

    private static final PathParser.Options TARGET = new PathParser.Options(false, true, true);
    private static final PathParser.Options KEY = new PathParser.Options(false, true, true);

    /** "local" (every local domain), "local@domain" or "@domain" (catch-all), all canonical lower case. */
    private final Map<String, Entry> entries;

    private AliasTable(Map<String, Entry> entries) {
        this.entries = Map.copyOf(entries);
    }

    public static AliasTable empty() {
        return new AliasTable(Map.of());
    }

    public int size() {
        return entries.size();
    }

    /**
     * The alias for {@code address}: one written for its domain wins over one written without a domain.
     * The caller decides whether the domain is local (domain-less keys apply to local domains only).
     */
    public Optional<Entry> lookup(Mailbox address) {
        Mailbox c = LocalParts.canonical(address);
        Entry e = c.domain() == null ? null : entries.get(c.localPart() + "@" + c.domain());
        if (e == null) {
            e = entries.get(c.localPart());
        }
        return Optional.ofNullable(e);
    }

    /** The {@code @domain} catch-all of a domain. */
    public Optional<Entry> catchAll(String domain) {
        return Optional.ofNullable(entries.get("@" + LocalParts.domain(domain)));
    }

    /**
     * Parses the whole file.
     *
     * @param source the file name used in messages
     * @throws AliasesFileException at the first line Mailroom refuses, as {@code source:line: reason}
     */
    public static AliasTable parse(String source, List<String> lines) throws AliasesFileException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        LogicalLine current = null;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue; // comments and blank lines neither start nor end an entry
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (current == null) {
                    throw new AliasesFileException(source, lineNo, "continuation line without an alias before it");
                }
                current.append(lineNo, line);
                continue;
            }
            if (current != null) {
                add(entries, current.parse(source));
            }
            current = new LogicalLine(lineNo, line);
        }
        if (current != null) {
            add(entries, current.parse(source));
        }
        return new AliasTable(entries);
    }

    private static void add(Map<String, Entry> entries, ParsedEntry parsed) throws AliasesFileException {
        Entry previous = entries.putIfAbsent(parsed.mapKey(), parsed.entry());
        if (previous != null) {
            throw new AliasesFileException(parsed.source(), parsed.entry().line(),
                    "duplicate alias " + parsed.entry().key() + " (first defined on line " + previous.line() + ")");
        }
    }

    private record ParsedEntry(String source, String mapKey, Entry entry) {
    }

    /** One entry's text, gathered over its continuation lines, remembering where each piece came from. */
    private static final class LogicalLine {
        private final int firstLine;
        private final StringBuilder text = new StringBuilder();
        private final List<int[]> pieces = new ArrayList<>(); // {offset in text, line number}

        LogicalLine(int lineNo, String line) {
            this.firstLine = lineNo;
            append(lineNo, line);
        }

        void append(int lineNo, String line) {
            if (!text.isEmpty()) {
                text.append(' ');
            }
            pieces.add(new int[] {text.length(), lineNo});
            text.append(line);
        }

        int lineAt(int offset) {
            int line = firstLine;
            for (int[] p : pieces) {
                if (p[0] <= offset) {
                    line = p[1];
                }
            }
            return line;
        }

        ParsedEntry parse(String source) throws AliasesFileException {
            String s = text.toString();
            int colon = indexOutsideQuotes(s, ':', 0);
            if (colon < 0) {
                throw new AliasesFileException(source, firstLine, "missing ':' after the alias name");
            }
            String key = s.substring(0, colon).strip();
            String mapKey = parseKey(source, key);
            List<AliasTarget> targets = new ArrayList<>();
            int start = colon + 1;
            while (start <= s.length()) {
                int comma = indexOutsideQuotes(s, ',', start);
                int end = comma < 0 ? s.length() : comma;
                String raw = s.substring(start, end);
                String t = raw.strip();
                int line = lineAt(start + (raw.length() - raw.stripLeading().length()));
                if (t.isEmpty()) {
                    throw new AliasesFileException(source, line, targets.isEmpty() && comma < 0
                            ? "alias " + key + " has no targets" : "empty target in the list of " + key);
                }
                targets.add(parseTarget(source, line, t));
                if (comma < 0) {
                    break;
                }
                start = comma + 1;
            }
            return new ParsedEntry(source, mapKey, new Entry(key, targets, firstLine));
        }

        private String parseKey(String source, String key) throws AliasesFileException {
            if (key.isEmpty()) {
                throw new AliasesFileException(source, firstLine, "empty alias name before ':'");
            }
            if (key.startsWith("@")) {
                String domain = key.substring(1);
                if (!PathParser.isValidDomain(domain)) {
                    throw new AliasesFileException(source, firstLine, "invalid domain in catch-all " + key);
                }
                return "@" + LocalParts.domain(domain);
            }
            Mailbox m;
            try {
                m = PathParser.parseWhole("<" + key + ">", KEY);
            } catch (AddressException e) {
                throw new AliasesFileException(source, firstLine, "invalid alias name " + key + ": " + e.reason());
            }
            if (m.domain() != null && m.domain().startsWith("[")) {
                throw new AliasesFileException(source, firstLine, "an alias cannot be for an address literal: " + key);
            }
            Mailbox c = LocalParts.canonical(m);
            return c.domain() == null ? c.localPart() : c.localPart() + "@" + c.domain();
        }
    }

    private static AliasTarget parseTarget(String source, int line, String t) throws AliasesFileException {
        String bare = t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") && indexOutsideQuotes(t, '@', 0) < 0
                ? LocalParts.unquote(t) : t;
        // Refused outright, with the reason: each would run code or write files as the mail server.
        if (bare.startsWith("|")) {
            throw new AliasesFileException(source, line, "pipe to a command is not supported (" + t + ")");
        }
        if (bare.startsWith("/")) {
            throw new AliasesFileException(source, line, "delivery to a file is not supported (" + t + ")");
        }
        if (bare.regionMatches(true, 0, ":include:", 0, 9)) {
            throw new AliasesFileException(source, line, ":include: is not supported (" + t + ")");
        }
        boolean verbatim = t.startsWith("\\");
        String address = verbatim ? t.substring(1) : t;
        Mailbox m;
        try {
            m = PathParser.parseWhole("<" + address + ">", TARGET);
        } catch (AddressException e) {
            throw new AliasesFileException(source, line, "invalid target " + t + ": " + e.reason());
        }
        return new AliasTarget(m, verbatim, line);
    }

    /** The first {@code c} at or after {@code from} that is not inside a quoted string (backslash escapes). */
    static int indexOutsideQuotes(String s, char c, int from) {
        boolean quoted = false;
        for (int i = from; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (quoted && ch == '\\') {
                i++;
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (!quoted && ch == c) {
                return i;
            }
        }
        return -1;
    }
}
