package dev.mailroom.sts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An MTA-STS policy as served at {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} (RFC 8461 section 3.2):
 *
 * <pre>
 * version: STSv1
 * mode: enforce
 * mx: mail.example.com
 * mx: *.example.net
 * max_age: 604800
 * </pre>
 *
 * @param mode   what a sender does when no MX host passes: ENFORCE refuses them, TESTING only reports, NONE means
 *               there is no policy
 * @param mx     the patterns an MX host must match
 * @param maxAge how long the policy may be cached, at most 31557600 seconds (a year)
 * @param lines  the policy's lines as received, for TLS reports (RFC 8460 section 4.4, policy-string)
 */
public record StsPolicy(Mode mode, List<MxPattern> mx, Duration maxAge, List<String> lines) {

    /** RFC 8461 section 3.2: max_age is at most 31557600 seconds. */
    public static final long MAX_AGE_LIMIT = 31_557_600L;
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern MAX_AGE = Pattern.compile("[0-9]{1,10}");

    public enum Mode { ENFORCE, TESTING, NONE }

    public StsPolicy {
        mx = List.copyOf(mx);
        lines = List.copyOf(lines);
    }

    /** Whether {@code host} matches one of the {@code mx} patterns (RFC 8461 section 4.1). */
    public boolean allows(String host) {
        return mx.stream().anyMatch(p -> p.matches(host));
    }

    /**
     * Parses a policy body strictly: lines end in CRLF or LF, each is {@code key: value}; version, mode and
     * max_age appear once each, mx at least once unless the mode is none; unknown keys are ignored (RFC 8461
     * section 3.2).
     *
     * @throws StsPolicyException saying what is wrong
     */
    public static StsPolicy parse(String body) throws StsPolicyException {
        String version = null;
        Mode mode = null;
        Long maxAge = null;
        List<MxPattern> mx = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String[] raw = body.split("\r?\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i];
            if (line.isEmpty() && i == raw.length - 1) {
                break; // the line break after the last field
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new StsPolicyException("line " + (i + 1) + " is not \"key: value\"");
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (!FIELD_NAME.matcher(key).matches()) {
                throw new StsPolicyException("line " + (i + 1) + ": bad field name");
            }
            lines.add(key + ": " + value);
            if (!key.equals("mx") && (key.equals("version") || key.equals("mode") || key.equals("max_age"))
                    && !seen.add(key)) {
                throw new StsPolicyException(key + " appears twice");
            }
            switch (key) {
                case "version" -> version = value;
                case "mode" -> mode = switch (value) {
                    case "enforce" -> Mode.ENFORCE;
                    case "testing" -> Mode.TESTING;
                    case "none" -> Mode.NONE;
                    default -> throw new StsPolicyException("mode must be enforce, testing or none, not " + value);
                };
                case "max_age" -> {
                    if (!MAX_AGE.matcher(value).matches() || Long.parseLong(value) > MAX_AGE_LIMIT) {
                        throw new StsPolicyException("max_age must be 0 to " + MAX_AGE_LIMIT + " seconds");
                    }
                    maxAge = Long.parseLong(value);
                }
                case "mx" -> mx.add(MxPattern.parse(value)
                        .orElseThrow(() -> new StsPolicyException("mx is not a host name or *.domain: " + value)));
                default -> {
                    // RFC 8461 section 3.2: fields a sender does not know are ignored
                }
            }
        }
        if (!"STSv1".equals(version)) {
            throw new StsPolicyException("version must be STSv1");
        }
        if (mode == null) {
            throw new StsPolicyException("mode is missing");
        }
        if (maxAge == null) {
            throw new StsPolicyException("max_age is missing");
        }
        if (mx.isEmpty() && mode != Mode.NONE) {
            throw new StsPolicyException("no mx pattern");
        }
        return new StsPolicy(mode, mx, Duration.ofSeconds(maxAge), lines);
    }

    /** The policy in the form it was served, for the cache. */
    public String text() {
        return String.join("\n", lines) + "\n";
    }
}
