package dev.mailroom.directory;

import java.time.Duration;

/**
 * Numbers for {@link AuthThrottle}. AUTH-21 / RFC 4954 section 9: limits apply per client IP and per
 * account, on top of the SMTP engine's per-connection limit (at least 3 attempts).
 *
 * @param maxFailuresPerIp      failures from one IP within {@code window} that trigger a block
 * @param maxFailuresPerAccount failures against one account within {@code window} that trigger a block
 * @param window                how long a failure counts
 * @param coolDown              how long a block lasts
 * @param firstDelay            delay after the second failure; doubles with each further failure
 * @param maxDelay              cap for the delay
 * @param maxTrackedKeys        cap on remembered IPs / accounts / pairs, each, to bound memory
 */
public record ThrottleSettings(int maxFailuresPerIp, int maxFailuresPerAccount, Duration window,
                               Duration coolDown, Duration firstDelay, Duration maxDelay, int maxTrackedKeys) {

    public static final ThrottleSettings DEFAULT = new ThrottleSettings(10, 10, Duration.ofMinutes(15),
            Duration.ofMinutes(15), Duration.ofMillis(250), Duration.ofSeconds(5), 100_000);

    public ThrottleSettings {
        if (maxFailuresPerIp < 1 || maxFailuresPerAccount < 1 || maxTrackedKeys < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (window.isNegative() || coolDown.isNegative() || firstDelay.isNegative() || maxDelay.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
    }
}
