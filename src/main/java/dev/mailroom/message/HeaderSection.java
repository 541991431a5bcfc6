package dev.mailroom.message;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The header section of a message (RFC 5322 section 2.2), kept as the list of its fields' raw bytes so that
 * {@link #toBytes()} gives back exactly the input unless a field was added or replaced: the MSA prepends
 * trace fields and adds a few others, and must not reorder or reformat the rest (RFC 5321 section 4.4,
 * RFC 5322 section 3.6, HDR-10).
 */
public final class HeaderSection {

    /**
     * Fields that RFC 5322 section 3.6 allows at most once (HDR-02). Case-insensitive: {@code contains("from")}
     * is true. Duplicates are a DMARC bypass vector (two From fields, one checked, one displayed).
     */
    public static final Set<String> SINGLETONS;

    static {
        TreeSet<String> s = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        s.addAll(List.of("Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Message-ID", "In-Reply-To",
                "References", "Subject"));
        SINGLETONS = Collections.unmodifiableSet(s);
    }

    private final List<HeaderField> fields;

    private HeaderSection(List<HeaderField> fields) {
        this.fields = fields;
    }

    /** An empty header section, for building a message from scratch. */
    public static HeaderSection empty() {
        return new HeaderSection(new ArrayList<>());
    }

    /**
     * Splits the header section into fields.
     *
     * @param raw the header section: CRLF line endings, every line (the last one too) ending in CRLF, and
     *            without the empty line that separates it from the body
     */
    public static HeaderSection parse(byte[] raw) throws MessageFormatException {
        List<HeaderField> fields = new ArrayList<>();
        int i = 0;
        int fieldStart = -1;
        String fieldName = null;
        while (i < raw.length) {
            int lineStart = i;
            int eol = lineEnd(raw, i);
            if (eol - lineStart > HeaderField.HARD_LINE_LIMIT) {
                // RFC 5322 section 2.1.1: lines MUST NOT exceed 998 characters excluding CRLF (SMTP-26, HDR-07).
                throw new MessageFormatException("header line longer than " + HeaderField.HARD_LINE_LIMIT + " octets");
            }
            if (eol == lineStart) {
                throw new MessageFormatException("empty line in header section");
            }
            byte first = raw[lineStart];
            if (first == ' ' || first == '\t') {
                // RFC 5322 section 2.2.3: a continuation line (folding) belongs to the field above it.
                if (fieldStart < 0) {
                    throw new MessageFormatException("header section starts with a continuation line");
                }
            } else {
                if (fieldStart >= 0) {
                    fields.add(new HeaderField(fieldName, slice(raw, fieldStart, lineStart)));
                }
                fieldName = name(raw, lineStart, eol);
                fieldStart = lineStart;
            }
            i = eol + 2;
        }
        if (fieldStart >= 0) {
            fields.add(new HeaderField(fieldName, slice(raw, fieldStart, raw.length)));
        }
        return new HeaderSection(fields);
    }

    /** Index of the CR of the CRLF ending the line that starts at {@code from}; bare CR or LF is an error. */
    private static int lineEnd(byte[] raw, int from) throws MessageFormatException {
        for (int j = from; j < raw.length; j++) {
            byte b = raw[j];
            if (b == '\r') {
                if (j + 1 < raw.length && raw[j + 1] == '\n') {
                    return j;
                }
                // RFC 5322 section 2.2: CR and LF appear only together, as CRLF (HDR-08).
                throw new MessageFormatException("bare CR in header section");
            }
            if (b == '\n') {
                throw new MessageFormatException("bare LF in header section");
            }
            if (j - from > HeaderField.HARD_LINE_LIMIT) {
                throw new MessageFormatException("header line longer than " + HeaderField.HARD_LINE_LIMIT + " octets");
            }
        }
        throw new MessageFormatException("header section does not end with CRLF");
    }

    /**
     * field-name = 1*ftext, ftext = %d33-57 / %d59-126 (RFC 5322 section 3.6.8); obs-optional (section 4.5)
     * also allows WSP between the name and the colon, which is accepted and left out of the name.
     */
    private static String name(byte[] raw, int start, int eol) throws MessageFormatException {
        int colon = -1;
        for (int j = start; j < eol; j++) {
            if (raw[j] == ':') {
                colon = j;
                break;
            }
        }
        if (colon < 0) {
            throw new MessageFormatException("header line without colon");
        }
        int nameEnd = colon;
        while (nameEnd > start && (raw[nameEnd - 1] == ' ' || raw[nameEnd - 1] == '\t')) {
            nameEnd--;
        }
        if (nameEnd == start) {
            throw new MessageFormatException("empty header field name");
        }
        for (int j = start; j < nameEnd; j++) {
            if (raw[j] < 33 || raw[j] > 126) {
                throw new MessageFormatException("invalid character in header field name");
            }
        }
        return new String(raw, start, nameEnd - start, StandardCharsets.US_ASCII);
    }

    /** Checks a name for a field we build (RFC 5322 section 2.2, HDR-08). */
    static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("empty header field name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') {
                throw new IllegalArgumentException("invalid character in header field name");
            }
        }
    }

    private static byte[] slice(byte[] raw, int from, int to) {
        byte[] b = new byte[to - from];
        System.arraycopy(raw, from, b, 0, b.length);
        return b;
    }

    /** All fields in order (an unmodifiable snapshot). */
    public List<HeaderField> fields() {
        return List.copyOf(fields);
    }

    /** The fields with this name, ignoring case, in order. */
    public List<HeaderField> all(String name) {
        return fields.stream().filter(f -> f.is(name)).toList();
    }

    public Optional<HeaderField> first(String name) {
        return fields.stream().filter(f -> f.is(name)).findFirst();
    }

    public int count(String name) {
        return (int) fields.stream().filter(f -> f.is(name)).count();
    }

    /**
     * The canonical name (as spelled in {@link #SINGLETONS}) of the first field that appears a second time
     * although RFC 5322 section 3.6 allows it once (HDR-02), in the order of those second occurrences.
     */
    public Optional<String> firstDuplicateSingleton() {
        Set<String> seen = new HashSet<>();
        for (HeaderField f : fields) {
            if (SINGLETONS.contains(f.name()) && !seen.add(f.name().toLowerCase(Locale.ROOT))) {
                return Optional.of(canonical(f.name()));
            }
        }
        return Optional.empty();
    }

    private static String canonical(String name) {
        for (String s : SINGLETONS) {
            if (s.equalsIgnoreCase(name)) {
                return s;
            }
        }
        return name;
    }

    /** The section as bytes: identical to the parsed input when nothing was edited. */
    public byte[] toBytes() {
        int n = 0;
        for (HeaderField f : fields) {
            n += f.length();
        }
        ByteBuffer out = ByteBuffer.allocate(n);
        for (HeaderField f : fields) {
            f.writeTo(out);
        }
        return out.array();
    }

    /** Adds a field at the top, where new trace fields go (RFC 5321 section 4.4, HDR-10). */
    public void prepend(HeaderField f) {
        fields.addFirst(requireTerminated(f));
    }

    public void append(HeaderField f) {
        fields.addLast(requireTerminated(f));
    }

    /**
     * Replaces {@code old} (the same instance if present, else the first equal field) in place, so the
     * position of the field is kept.
     *
     * @throws NoSuchElementException if {@code old} is not in this section
     */
    public void replace(HeaderField old, HeaderField replacement) {
        fields.set(indexOf(old), requireTerminated(replacement));
    }

    /** Removes a field (e.g. Bcc, RFC 6409 section 8.2 leaves that to the MSA's policy). */
    public void remove(HeaderField old) {
        fields.remove(indexOf(old));
    }

    private int indexOf(HeaderField f) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i) == f) {
                return i;
            }
        }
        int i = fields.indexOf(f);
        if (i < 0) {
            throw new NoSuchElementException("no such header field: " + f.name());
        }
        return i;
    }

    /** A field without its final CRLF would glue itself to the next one. */
    private static HeaderField requireTerminated(HeaderField f) {
        byte[] raw = f.raw();
        if (raw.length < 2 || raw[raw.length - 2] != '\r' || raw[raw.length - 1] != '\n') {
            throw new IllegalArgumentException("header field must end with CRLF");
        }
        return f;
    }
}
