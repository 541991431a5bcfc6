package dev.mailroom.quota;

import java.util.Locale;
import java.util.Map;

/**
 * The sending quotas of every account: the defaults, and whole or partial overrides per account.
 *
 * @param defaults the limits of every account without its own
 * @param accounts per account (lower-case name as it authenticates): the limits, already merged with the defaults
 */
public record QuotaSettings(QuotaLimits defaults, Map<String, QuotaLimits> accounts) {

    public static final QuotaSettings DEFAULT = new QuotaSettings(QuotaLimits.DEFAULT, Map.of());

    public QuotaSettings {
        accounts = Map.copyOf(accounts);
    }

    public QuotaLimits forAccount(String account) {
        return accounts.getOrDefault(account.toLowerCase(Locale.ROOT), defaults);
    }
}
