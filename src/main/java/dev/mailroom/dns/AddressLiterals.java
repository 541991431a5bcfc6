package dev.mailroom.dns;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Address literals and bare IP addresses, parsed without ever asking DNS. */
final class AddressLiterals {
    // RFC 5321 section 4.1.3: Snum = 1*3DIGIT, a value 0 to 255; IPv4-address-literal = Snum 3("." Snum)
    private static final Pattern DOTTED_QUAD = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final String IPV6_TAG = "ipv6:";

    private AddressLiterals() {
    }

    static boolean isDottedQuad(String text) {
        return ipv4(text).isPresent();
    }

    /** {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]} (RFC 5321 section 4.1.3); anything else is empty. */
    static Optional<InetAddress> parseLiteral(String domain) {
        if (domain.length() < 3 || domain.charAt(0) != '[' || domain.charAt(domain.length() - 1) != ']') {
            return Optional.empty();
        }
        String inner = domain.substring(1, domain.length() - 1);
        // The tag is an ABNF string, so "IPv6:" matches case-insensitively (RFC 5234 section 2.3).
        if (inner.toLowerCase(Locale.ROOT).startsWith(IPV6_TAG)) {
            return ipv6(inner.substring(IPV6_TAG.length()));
        }
        // General-address-literal (Standardized-tag ":" dcontent) names no tag anyone has registered: unsupported.
        return ipv4(inner);
    }

    /** A bare IPv4 or IPv6 address as a configuration might give a smarthost: {@code 192.0.2.1}, {@code ::1}. */
    static Optional<InetAddress> parseBare(String host) {
        if (host.indexOf(':') >= 0) {
            return ipv6(host);
        }
        return ipv4(host);
    }

    private static Optional<InetAddress> ipv4(String text) {
        Matcher m = DOTTED_QUAD.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int value = Integer.parseInt(m.group(i + 1)); // decimal, never octal: "010" is ten
            if (value > 255) {
                return Optional.empty();
            }
            bytes[i] = (byte) value;
        }
        try {
            return Optional.of(InetAddress.getByAddress(bytes)); // from bytes: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always an address", e);
        }
    }

    private static Optional<InetAddress> ipv6(String text) {
        // RFC 5321 section 4.1.3 IPv6-addr: hex groups, "::" and an optional dotted quad; no zone ID, no brackets.
        if (!IPV6_CHARACTERS.matcher(text).matches() || text.indexOf(':') < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Inet6Address.ofLiteral(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
