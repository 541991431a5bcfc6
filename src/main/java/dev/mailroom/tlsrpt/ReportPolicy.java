package dev.mailroom.tlsrpt;

import java.util.List;
import java.util.Locale;

/**
 * The policy a session ran under, as a report names it (RFC 8460 section 4.4, "policy").
 *
 * @param type    "sts", "tlsa" or "no-policy-found"
 * @param domain  the policy domain: the recipient domain
 * @param lines   the policy as text, one line an element (empty for no-policy-found)
 * @param mxHosts the MX patterns of an MTA-STS policy (empty otherwise)
 */
public record ReportPolicy(String type, String domain, List<String> lines, List<String> mxHosts) {
    public static final String STS = "sts";
    public static final String TLSA = "tlsa";
    public static final String NO_POLICY_FOUND = "no-policy-found";

    public ReportPolicy {
        domain = domain.toLowerCase(Locale.ROOT);
        lines = List.copyOf(lines);
        mxHosts = List.copyOf(mxHosts);
    }

    public static ReportPolicy none(String domain) {
        return new ReportPolicy(NO_POLICY_FOUND, domain, List.of(), List.of());
    }
}
