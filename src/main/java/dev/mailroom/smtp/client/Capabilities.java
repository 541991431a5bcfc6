package dev.mailroom.smtp.client;

import dev.mailroom.smtp.SmtpReply;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What the server offered in its EHLO reply.
 *
 * @param keywords       the EHLO keywords, upper case
 * @param maxSize        the SIZE value (RFC 1870 section 4): -1 when SIZE was not offered or unreadable,
 *                       0 when offered without a fixed maximum
 * @param authMechanisms the SASL mechanisms of the AUTH line (RFC 4954 section 3), upper case
 * @param esmtp          false when the server refused EHLO and the session runs on HELO
 */
public record Capabilities(Set<String> keywords, long maxSize, Set<String> authMechanisms, boolean esmtp) {

    private static final java.util.regex.Pattern KEYWORD = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");

    public Capabilities {
        keywords = Set.copyOf(keywords);
        authMechanisms = Set.copyOf(authMechanisms);
    }

    /** A HELO session: no extensions at all (RFC 5321 section 4.1.1.1). */
    public static Capabilities helo() {
        return new Capabilities(Set.of(), -1, Set.of(), false);
    }

    public boolean has(String keyword) {
        return keywords.contains(keyword.toUpperCase(Locale.ROOT));
    }

    /**
     * Reads an EHLO reply: the first line is the server's greeting, every further line is
     * {@code ehlo-keyword *(SP ehlo-param)} (RFC 5321 section 4.1.1.1).
     */
    public static Capabilities fromEhloReply(SmtpReply reply) {
        Set<String> keywords = new LinkedHashSet<>();
        Set<String> mechanisms = new LinkedHashSet<>();
        long maxSize = -1;
        for (String line : reply.lines().subList(1, reply.lines().size())) {
            String[] words = line.trim().split(" +");
            String keyword = words[0].toUpperCase(Locale.ROOT);
            if (keyword.startsWith("AUTH=")) {
                // Pre-standard "AUTH=LOGIN PLAIN" lines some servers add for old clients: mechanisms only,
                // the server does not thereby claim RFC 4954 AUTH.
                mechanisms.add(keyword.substring(5));
                addUpper(mechanisms, words, 1);
                continue;
            }
            if (!KEYWORD.matcher(keyword).matches()) {
                continue; // not an ehlo-keyword: ignore the line rather than guess
            }
            keywords.add(keyword);
            if (keyword.equals("AUTH")) {
                addUpper(mechanisms, words, 1);
            } else if (keyword.equals("SIZE")) {
                maxSize = parseSize(words);
            }
        }
        mechanisms.remove("");
        return new Capabilities(keywords, maxSize, mechanisms, true);
    }

    private static void addUpper(Set<String> into, String[] words, int from) {
        for (int i = from; i < words.length; i++) {
            into.add(words[i].toUpperCase(Locale.ROOT));
        }
    }

    private static long parseSize(String[] words) {
        if (words.length < 2) {
            return 0; // RFC 1870 section 4: SIZE without a parameter means no fixed maximum
        }
        if (!words[1].matches("\\d{1,18}")) {
            return -1;
        }
        return Long.parseLong(words[1]);
    }
}
