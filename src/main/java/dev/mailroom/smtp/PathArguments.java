package dev.mailroom.smtp;

import dev.mailroom.address.AddressException;
import dev.mailroom.address.Mailbox;
import dev.mailroom.address.PathParser;
import dev.mailroom.address.Xtext;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.DsnNotify;
import dev.mailroom.envelope.DsnRet;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses the arguments of MAIL FROM and RCPT TO: the path (RFC 5321 section 4.1.2) and the ESMTP
 * parameters of the extensions this listener offers. Syntax only; policy comes later.
 */
final class PathArguments {

    /** Which parameters the listener offers, and the size limit; REQUIRETLS only inside TLS (RFC 8689 section 4). */
    record Offered(boolean dsn, boolean smtputf8, boolean binarymime, boolean requireTls, long maxSize) {}

    record Mail(Mailbox reversePath, MailParameters parameters) {}

    private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
    private static final Pattern SIZE_VALUE = Pattern.compile("[0-9]{1,20}");
    private static final Pattern SPACES = Pattern.compile(" +");

    private PathArguments() {
    }

    /** @param arg everything after "MAIL" (e.g. " FROM:<a@b> SIZE=10") */
    static Mail parseMail(String arg, Offered offered) throws SmtpException {
        int at = afterKeyword(arg, "FROM:", "5.5.4", "Syntax: MAIL FROM:<address> [parameters]");
        boolean smtputf8 = hasBareKeyword(arg, "SMTPUTF8");
        PathParser.ParsedPath path = path(arg, at, new PathParser.Options(true, true, offered.smtputf8() && smtputf8),
                550, "5.1.7", "sender");
        Mailbox from = path.mailbox();
        String paramText = arg.substring(path.end());
        BodyType body = null;
        long size = -1;
        DsnRet ret = null;
        String envid = null;
        String auth = null;
        boolean utf8 = false;
        boolean requireTls = false;
        for (Map.Entry<String, String> parameter : parameters(paramText).entrySet()) {
            String key = parameter.getKey();
            String value = parameter.getValue();
            switch (key) {
                case "SIZE" -> size = parseSize(value, offered.maxSize());
                case "BODY" -> {
                    body = value == null ? null : BodyType.fromKeyword(value);
                    if (body == null || (body == BodyType.BINARY_MIME && !offered.binarymime())) {
                        throw new SmtpException(501, "5.5.4", "BODY must be 7BIT or 8BITMIME"
                                + (offered.binarymime() ? " or BINARYMIME" : ""));
                    }
                }
                case "SMTPUTF8" -> {
                    if (!offered.smtputf8()) {
                        throw unrecognised(key);
                    }
                    if (value != null) {
                        throw new SmtpException(501, "5.5.4", "SMTPUTF8 takes no value"); // RFC 6531 3.4
                    }
                    utf8 = true;
                }
                case "RET" -> {
                    if (!offered.dsn()) {
                        throw unrecognised(key);
                    }
                    if ("FULL".equalsIgnoreCase(value)) {
                        ret = DsnRet.FULL;
                    } else if ("HDRS".equalsIgnoreCase(value)) {
                        ret = DsnRet.HDRS;
                    } else {
                        throw new SmtpException(501, "5.5.4", "RET must be FULL or HDRS"); // RFC 3461 4.3
                    }
                }
                case "ENVID" -> {
                    if (!offered.dsn()) {
                        throw unrecognised(key);
                    }
                    // RFC 3461 section 4.4: xtext, at most 100 characters.
                    if (value == null || value.isEmpty() || value.length() > 100 || !Xtext.isValid(value)) {
                        throw new SmtpException(501, "5.5.4", "ENVID must be xtext of at most 100 characters");
                    }
                    envid = value;
                }
                case "AUTH" -> {
                    // RFC 4954 section 5: AUTH=<> or an xtext mailbox; accepted even when unauthenticated.
                    if (value == null || !(value.equals("<>") || Xtext.isValid(value))) {
                        throw new SmtpException(501, "5.5.4", "AUTH= must be <> or an xtext mailbox");
                    }
                    auth = value;
                }
                case "REQUIRETLS" -> {
                    if (!offered.requireTls()) {
                        throw unrecognised(key); // RTLS-01: in clear text it is not offered, hence 555
                    }
                    if (value != null) {
                        throw new SmtpException(501, "5.5.4", "REQUIRETLS takes no value"); // RFC 8689 section 4
                    }
                    requireTls = true;
                }
                default -> throw unrecognised(key);
            }
        }
        if (from != null && !from.isAscii() && !utf8) {
            throw new SmtpException(550, "5.6.7", "Non-ASCII address requires the SMTPUTF8 parameter");
        }
        return new Mail(from, new MailParameters(body, utf8, size, ret, envid, auth, requireTls));
    }

    /** @param arg everything after "RCPT" */
    static Recipient parseRcpt(String arg, Offered offered, boolean smtputf8) throws SmtpException {
        int at = afterKeyword(arg, "TO:", "5.5.4", "Syntax: RCPT TO:<address> [parameters]");
        PathParser.ParsedPath path = path(arg, at, new PathParser.Options(false, true, smtputf8), 553, "5.1.3", "recipient");
        Mailbox to = path.mailbox();
        String paramText = arg.substring(path.end());
        String notify = null;
        String orcpt = null;
        for (Map.Entry<String, String> parameter : parameters(paramText).entrySet()) {
            String key = parameter.getKey();
            String value = parameter.getValue();
            if (!offered.dsn() || !(key.equals("NOTIFY") || key.equals("ORCPT"))) {
                throw unrecognised(key);
            }
            if (key.equals("NOTIFY")) {
                parseNotify(value); // validated; kept verbatim for the next hop (RFC 3461 5.2.1)
                notify = value;
            } else {
                orcpt = parseOrcpt(value);
            }
        }
        return new Recipient(to, notify, orcpt);
    }

    /**
     * The path at {@code at}. Bad syntax is 501 with the sender or recipient enhanced code (RFC 3463 X.1.7,
     * X.1.3); a non-ASCII address without SMTPUTF8 is 550 at MAIL and 553 at RCPT (RFC 6531 section 3.5).
     */
    private static PathParser.ParsedPath path(String arg, int at, PathParser.Options options, int utf8Code,
                                              String syntaxStatus, String what) throws SmtpException {
        try {
            return PathParser.parse(arg, at, options);
        } catch (AddressException e) {
            if (e.utf8Required()) {
                throw new SmtpException(utf8Code, "5.6.7", "Non-ASCII address requires the SMTPUTF8 parameter");
            }
            throw new SmtpException(501, syntaxStatus, "Bad " + what + " address syntax: " + e.reason());
        }
    }

    /** RFC 3461 section 4.1: NEVER alone, or a list of SUCCESS, FAILURE, DELAY. */
    private static Set<DsnNotify> parseNotify(String value) throws SmtpException {
        if (value == null || value.isEmpty()) {
            throw new SmtpException(501, "5.5.4", "NOTIFY needs a value");
        }
        Set<DsnNotify> set = EnumSet.noneOf(DsnNotify.class);
        for (String part : value.split(",", -1)) {
            DsnNotify n;
            try {
                n = DsnNotify.valueOf(part.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new SmtpException(501, "5.5.4", "NOTIFY values are NEVER, SUCCESS, FAILURE, DELAY");
            }
            if (!set.add(n)) {
                throw new SmtpException(501, "5.5.4", "Duplicate NOTIFY value " + n);
            }
        }
        if (set.contains(DsnNotify.NEVER) && set.size() > 1) {
            throw new SmtpException(501, "5.5.4", "NOTIFY=NEVER must stand alone");
        }
        return set;
    }

    /** RFC 3461 section 4.2: ORCPT=addr-type ";" xtext, at most 500 characters. */
    private static String parseOrcpt(String value) throws SmtpException {
        int semi = value == null ? -1 : value.indexOf(';');
        if (semi <= 0 || value.length() > 500 || !KEYWORD.matcher(value.substring(0, semi)).matches()
                || !Xtext.isValid(value.substring(semi + 1)) || semi == value.length() - 1) {
            throw new SmtpException(501, "5.5.4", "ORCPT must be addr-type;xtext of at most 500 characters");
        }
        return value;
    }

    /** RFC 1870 section 3: 1*20DIGIT; above the limit is 552 5.3.4 at MAIL (section 6.1). */
    private static long parseSize(String value, long max) throws SmtpException {
        if (value == null || !SIZE_VALUE.matcher(value).matches()) {
            throw new SmtpException(501, "5.5.4", "SIZE must be a number");
        }
        long size;
        try {
            size = Long.parseLong(value);
        } catch (NumberFormatException e) {
            size = Long.MAX_VALUE; // 20 digits may exceed a long: certainly too big
        }
        if (max > 0 && size > max) {
            throw new SmtpException(552, "5.3.4", "Message size exceeds fixed maximum of " + max + " octets");
        }
        return size;
    }

    private static SmtpException unrecognised(String key) {
        // RFC 5321 section 4.1.1.11: an unrecognised or unadvertised parameter gets 555.
        return new SmtpException(555, "5.5.4", "Unsupported parameter " + key);
    }

    /**
     * Finds "FROM:" / "TO:" (case-insensitive) and returns the index of the path. One leading space and
     * spaces after the colon are tolerated for interoperability, as Postfix does (RFC 5321 forbids them
     * for clients; accepting them hurts nobody).
     */
    private static int afterKeyword(String arg, String keyword, String enhanced, String usage) throws SmtpException {
        int i = 0;
        while (i < arg.length() && arg.charAt(i) == ' ') {
            i++;
        }
        if (!arg.regionMatches(true, i, keyword, 0, keyword.length())) {
            throw new SmtpException(501, enhanced, usage);
        }
        i += keyword.length();
        while (i < arg.length() && arg.charAt(i) == ' ') {
            i++;
        }
        if (i >= arg.length() || arg.charAt(i) != '<') {
            throw new SmtpException(501, enhanced, usage);
        }
        return i;
    }

    private static boolean hasBareKeyword(String arg, String keyword) {
        for (String word : arg.split(" ")) {
            if (word.equalsIgnoreCase(keyword)) {
                return true;
            }
        }
        return false;
    }

    /** The parameters as upper-case keyword to value (null without "="); a repeated keyword is 501. */
    private static Map<String, String> parameters(String text) throws SmtpException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String param : splitParameters(text)) {
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            if (out.containsKey(key)) {
                throw new SmtpException(501, "5.5.4", "Duplicate parameter " + key);
            }
            out.put(key, eq < 0 ? null : param.substring(eq + 1));
        }
        return out;
    }

    /** RFC 5321 section 4.1.2: SP-separated esmtp-param = esmtp-keyword ["=" esmtp-value]. */
    private static java.util.List<String> splitParameters(String text) throws SmtpException {
        java.util.List<String> params = new java.util.ArrayList<>();
        String trimmed = text.stripTrailing();
        if (trimmed.isEmpty()) {
            return params;
        }
        if (trimmed.charAt(0) != ' ') {
            throw new SmtpException(501, "5.5.4", "Parameters must follow the address after a space");
        }
        for (String p : SPACES.split(trimmed.substring(1))) {
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq);
            if (!KEYWORD.matcher(key).matches() || (eq >= 0 && eq == p.length() - 1)) {
                throw new SmtpException(501, "5.5.4", "Malformed parameter");
            }
            if (eq >= 0) {
                for (int k = eq + 1; k < p.length(); k++) {
                    char c = p.charAt(k);
                    if (c == '=' || c < 33 || c == 127) {
                        throw new SmtpException(501, "5.5.4", "Malformed parameter value");
                    }
                }
            }
            params.add(p);
        }
        return params;
    }
}
