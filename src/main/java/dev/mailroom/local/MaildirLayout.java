package dev.mailroom.local;

import dev.mailroom.address.Mailbox;
import dev.mailroom.address.PathParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a local mailbox's Maildir lives: a pattern such as {@code "{domain}/{localpart}/Maildir"} below a
 * root directory. The pattern is the administrator's; the values come from strangers, so each value is
 * reduced to one harmless path segment and the result is checked to stay under the root.
 *
 * <ul>
 *   <li>{@code {domain}}: lower case, U-labels as A-labels (RFC 5891), and it must be a DNS name (RFC 5321
 *       section 4.1.2 Domain); address literals have no mailbox here.</li>
 *   <li>{@code {localpart}}: unquoted and lower-cased (see {@link LocalParts}), then every byte outside
 *       {@code [a-z0-9!#$&'*+=?^_`{|}~.-]} percent-encoded as {@code %XX}, including {@code /}, {@code %}
 *       itself, controls and non-ASCII. A leading dot is encoded too, so the segment is never {@code .},
 *       {@code ..} or a hidden file. The encoding is one-to-one: two addresses never share a directory.</li>
 * </ul>
 */
public final class MaildirLayout {

    public static final String DEFAULT_PATTERN = "{domain}/{localpart}";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._-]*");
    private static final String SAFE = "!#$&'*+=?^_`{|}~.-";

    private final Path root;
    private final List<String> segments;

    /**
     * @param root    the directory every Maildir lives under
     * @param pattern relative path of {@code /}-separated segments made of {@code [A-Za-z0-9._-]} and the
     *                placeholders {@code {domain}} and {@code {localpart}}; {@code {localpart}} is required
     * @throws IllegalArgumentException when the pattern could place mail outside the root or in a shared place
     */
    public MaildirLayout(Path root, String pattern) {
        this.root = root.toAbsolutePath().normalize();
        this.segments = List.copyOf(validate(pattern));
    }

    public MaildirLayout(Path root) {
        this(root, DEFAULT_PATTERN);
    }

    public Path root() {
        return root;
    }

    /**
     * The Maildir of {@code mailbox} (the directory holding {@code cur/ new/ tmp/}).
     *
     * @throws IllegalArgumentException when the address has no usable domain or local-part
     */
    public Path maildirFor(Mailbox mailbox) {
        String domain = domainSegment(mailbox.domain());
        String local = localPartSegment(mailbox.localPart());
        Path p = root;
        for (String segment : segments) {
            // One pass, so that a value containing "{...}" is never substituted again.
            String value = PLACEHOLDER.matcher(segment)
                    .replaceAll(m -> Matcher.quoteReplacement(m.group(1).equals("domain") ? domain : local));
            if (value.isEmpty() || value.equals(".") || value.equals("..") || value.indexOf('/') >= 0) {
                throw new IllegalArgumentException("unusable path segment for " + mailbox);
            }
            p = p.resolve(value);
        }
        Path normal = p.normalize();
        if (!normal.startsWith(root) || normal.equals(root)) {
            // Unreachable with the encodings above; kept so that a future change cannot open a way out.
            throw new IllegalArgumentException("mailbox path escapes the Maildir root: " + mailbox);
        }
        return normal;
    }

    /** The {@code {domain}} value: lower-case A-labels of a valid DNS name. */
    static String domainSegment(String domain) {
        if (domain == null || domain.startsWith("[")) {
            throw new IllegalArgumentException("no mailbox for an address without a DNS domain");
        }
        String ascii;
        try {
            ascii = PathParser.toAsciiDomain(domain).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid domain");
        }
        // RFC 5321 section 4.1.2: labels of letters, digits and hyphens joined by single dots; so no "/",
        // no "..", no leading dot.
        if (!PathParser.isValidDomain(ascii, false)) {
            throw new IllegalArgumentException("invalid domain");
        }
        return ascii;
    }

    /** The {@code {localpart}} value: canonical content, percent-encoded into one safe segment. */
    static String localPartSegment(String localPart) {
        String bare = LocalParts.unquote(localPart).toLowerCase(Locale.ROOT);
        if (bare.isEmpty()) {
            throw new IllegalArgumentException("empty local-part");
        }
        StringBuilder sb = new StringBuilder(bare.length() + 8);
        byte[] bytes = bare.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean safe = (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || SAFE.indexOf(b) >= 0;
            if (safe && !(i == 0 && b == '.')) {
                sb.append((char) b);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static List<String> validate(String pattern) {
        if (pattern == null || pattern.isEmpty() || pattern.startsWith("/")) {
            throw new IllegalArgumentException("Maildir pattern must be a relative path: " + pattern);
        }
        List<String> out = new ArrayList<>();
        boolean hasLocalPart = false;
        for (String segment : pattern.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("Maildir pattern has an empty, '.' or '..' segment: " + pattern);
            }
            Matcher m = PLACEHOLDER.matcher(segment);
            StringBuilder literal = new StringBuilder();
            int last = 0;
            while (m.find()) {
                String name = m.group(1);
                if (!name.equals("domain") && !name.equals("localpart")) {
                    throw new IllegalArgumentException("unknown placeholder {" + name + "} in Maildir pattern " + pattern);
                }
                hasLocalPart |= name.equals("localpart");
                literal.append(segment, last, m.start());
                last = m.end();
            }
            literal.append(segment.substring(last));
            if (!LITERAL.matcher(literal).matches()) {
                throw new IllegalArgumentException("Maildir pattern may only contain [A-Za-z0-9._-] besides placeholders: "
                        + pattern);
            }
            out.add(segment);
        }
        if (!hasLocalPart) {
            // Without it every user of a domain would share one Maildir.
            throw new IllegalArgumentException("Maildir pattern needs {localpart}: " + pattern);
        }
        return out;
    }
}
