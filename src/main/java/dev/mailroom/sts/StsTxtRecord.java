package dev.mailroom.sts;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code _mta-sts.DOMAIN} TXT record that announces a policy and its version id (RFC 8461 section 3.1):
 * {@code v=STSv1; id=20160831085700Z;} with optional extension fields.
 *
 * @param id the policy id: 1 to 32 letters and digits; a change means a new policy to fetch
 */
public record StsTxtRecord(String id) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    private static final Pattern EXT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern EXT_VALUE = Pattern.compile("[\\x21-\\x3a\\x3c\\x3e-\\x7e]+");
    private static final String VERSION = "v=STSv1";

    /**
     * The one record among the TXT records of {@code _mta-sts.DOMAIN}: records that do not begin with
     * {@code v=STSv1;} are discarded, and unless exactly one remains and it is valid, there is no policy
     * (RFC 8461 section 3.1).
     */
    public static Optional<StsTxtRecord> select(List<String> txtRecords) {
        List<String> candidates = new ArrayList<>();
        for (String t : txtRecords) {
            if (t.startsWith(VERSION + ";")) {
                candidates.add(t);
            }
        }
        return candidates.size() == 1 ? parse(candidates.getFirst()) : Optional.empty();
    }

    /** One record by the ABNF of RFC 8461 section 3.1; empty when it is malformed or has no (or two) id fields. */
    public static Optional<StsTxtRecord> parse(String text) {
        if (!text.startsWith(VERSION)) {
            return Optional.empty();
        }
        String rest = text.substring(VERSION.length());
        // sts-sep = *WSP ";" *WSP; at least one field must follow the version, and a final separator may end it.
        String[] parts = rest.split(";", -1);
        if (parts.length < 2 || !parts[0].chars().allMatch(StsTxtRecord::wsp)) {
            return Optional.empty();
        }
        String id = null;
        for (int i = 1; i < parts.length; i++) {
            String field = strip(parts[i]);
            if (field.isEmpty()) {
                if (i == parts.length - 1 && i > 1) {
                    break; // the optional trailing separator
                }
                return Optional.empty();
            }
            int eq = field.indexOf('=');
            if (eq <= 0) {
                return Optional.empty();
            }
            String name = field.substring(0, eq);
            String value = field.substring(eq + 1);
            if (name.equals("id")) {
                if (id != null || !ID.matcher(value).matches()) {
                    return Optional.empty();
                }
                id = value;
            } else if (!EXT_NAME.matcher(name).matches() || !EXT_VALUE.matcher(value).matches()) {
                return Optional.empty();
            }
        }
        return id == null ? Optional.empty() : Optional.of(new StsTxtRecord(id));
    }

    private static String strip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && wsp(s.charAt(from))) {
            from++;
        }
        while (to > from && wsp(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean wsp(int c) {
        return c == ' ' || c == '\t';
    }
}
