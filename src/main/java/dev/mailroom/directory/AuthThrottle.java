package dev.mailroom.directory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Slows down and then blocks password guessing (AUTH-21, RFC 4954 section 9), per client IP and per
 * account, on top of the SMTP engine's per-connection attempt limit.
 * <p>
 * Intended use by the engine on a failed AUTH: {@code recordFailure(ip, account)}, then wait
 * {@code delayFor(ip, account)} before sending 535. Before checking credentials: if
 * {@code isBlocked(ip, account)}, fail without checking (the same 535, so the block is not an oracle).
 * On success: {@code recordSuccess(ip, account)}. {@code account} may be null when no user name was
 * received; then only the IP is counted.
 * <p>
 * A per-account block lets an attacker lock the real user out (Mailu #2880). To limit that, an IP that
 * authenticated successfully to an account is exempt from that account's block for a while; the per-IP
 * limit still applies to it.
 */
public final class AuthThrottle {

    private final ThrottleSettings settings;
    private final Clock clock;
    private final BoundedCounters byIp;
    private final BoundedCounters byAccount;
    private final BoundedCounters byPair;

    public AuthThrottle(ThrottleSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.byIp = new BoundedCounters(settings.window(), settings.maxTrackedKeys());
        this.byAccount = new BoundedCounters(settings.window(), settings.maxTrackedKeys());
        this.byPair = new BoundedCounters(settings.window(), settings.maxTrackedKeys());
    }

    public AuthThrottle() {
        this(ThrottleSettings.DEFAULT, Clock.systemUTC());
    }

    public synchronized void recordFailure(String ip, String account) {
        Instant now = clock.instant();
        count(byIp.getOrCreate(ip, now), settings.maxFailuresPerIp(), now);
        if (account != null) {
            count(byAccount.getOrCreate(account, now), settings.maxFailuresPerAccount(), now);
            byPair.getOrCreate(pair(ip, account), now).failures++;
        }
    }

    private void count(BoundedCounters.Counter c, int limit, Instant now) {
        c.failures++;
        // "Exceeded" is read as "reached": after the limit-th failure, no further attempt is checked.
        if (c.failures >= limit && !c.isBlocked(now)) {
            c.blockedUntil = now.plus(settings.coolDown());
        }
    }

    /** Clears the failures of this IP+account pair and trusts the pair against account blocks (see class doc). */
    public synchronized void recordSuccess(String ip, String account) {
        if (account == null) {
            return;
        }
        Instant now = clock.instant();
        BoundedCounters.Counter c = byPair.getOrCreate(pair(ip, account), now);
        c.failures = 0;
        c.trustedUntil = now.plus(settings.window()).plus(settings.coolDown());
    }

    public synchronized boolean isBlocked(String ip, String account) {
        Instant now = clock.instant();
        BoundedCounters.Counter ipCounter = byIp.get(ip, now);
        if (ipCounter != null && ipCounter.isBlocked(now)) {
            return true;
        }
        if (account == null) {
            return false;
        }
        BoundedCounters.Counter accountCounter = byAccount.get(account, now);
        if (accountCounter == null || !accountCounter.isBlocked(now)) {
            return false;
        }
        BoundedCounters.Counter pairCounter = byPair.get(pair(ip, account), now);
        return pairCounter == null || pairCounter.trustedUntil == null || !now.isBefore(pairCounter.trustedUntil);
    }

    /**
     * How long to wait before answering the failure just recorded: nothing for a first failure (a typo),
     * then {@code firstDelay} doubling per failure up to {@code maxDelay}. Driven by the larger of the
     * pair's and the IP's failure counts, so spraying many accounts from one IP is slowed down too.
     */
    public synchronized Duration delayFor(String ip, String account) {
        Instant now = clock.instant();
        int n = byIp.failures(ip, now);
        if (account != null) {
            n = Math.max(n, byPair.failures(pair(ip, account), now));
        }
        if (n <= 1) {
            return Duration.ZERO;
        }
        int doublings = Math.min(n - 2, 30);
        Duration delay = settings.firstDelay().multipliedBy(1L << doublings);
        return delay.compareTo(settings.maxDelay()) > 0 ? settings.maxDelay() : delay;
    }

    /** Entries currently held, for tests and metrics. */
    synchronized int trackedKeys() {
        return byIp.size() + byAccount.size() + byPair.size();
    }

    private static String pair(String ip, String account) {
        return ip + '\0' + account;
    }
}
