package dev.mailroom.sts;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One {@code mx:} value of an MTA-STS policy: a host name, or {@code *.} and a domain, where the wildcard stands
 * for exactly one whole left-most label (RFC 8461 sections 3.2 and 4.1): {@code *.example.com} matches
 * {@code mx1.example.com}, not {@code example.com} nor {@code a.b.example.com}.
 */
public record MxPattern(String text) {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    /** Empty when the value is not a domain, optionally behind {@code *.}. */
    public static Optional<MxPattern> parse(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.endsWith(".")) {
            v = v.substring(0, v.length() - 1);
        }
        String domain = v.startsWith("*.") ? v.substring(2) : v;
        if (domain.isEmpty() || domain.length() > 253) {
            return Optional.empty();
        }
        for (String label : domain.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return Optional.empty(); // a '*' anywhere else, or an empty label
            }
        }
        return Optional.of(new MxPattern(v));
    }

    public boolean matches(String mxHost) {
        String host = mxHost.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (!text.startsWith("*.")) {
            return host.equals(text);
        }
        String parent = text.substring(1); // ".example.com"
        if (!host.endsWith(parent)) {
            return false;
        }
        String first = host.substring(0, host.length() - parent.length());
        return !first.isEmpty() && first.indexOf('.') < 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
