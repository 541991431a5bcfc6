package dev.mailroom.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuthThrottleTest {

    private final MutableClock clock = new MutableClock();
    private final AuthThrottle throttle = new AuthThrottle(ThrottleSettings.DEFAULT, clock);

    @Test
    void AUTH_21_delayGrowsFromZero_doubling_cappedAt5s() {
        long[] expectedMillis = {0, 250, 500, 1000, 2000, 4000, 5000, 5000};
        for (long expected : expectedMillis) {
            throttle.recordFailure("192.0.2.1", "alice");
            assertThat(throttle.delayFor("192.0.2.1", "alice")).isEqualTo(Duration.ofMillis(expected));
        }
    }

    @Test
    void AUTH_21_twoFailuresDoNotBlock_tenPerIpDo_andTheBlockCoolsDown() {
        throttle.recordFailure("192.0.2.1", "a");
        throttle.recordFailure("192.0.2.1", "b");
        assertThat(throttle.isBlocked("192.0.2.1", "c")).isFalse();
        for (int i = 0; i < 8; i++) {
            throttle.recordFailure("192.0.2.1", "user" + i); // spraying many accounts from one IP
        }
        assertThat(throttle.isBlocked("192.0.2.1", "anyone")).isTrue();
        assertThat(throttle.isBlocked("192.0.2.2", "anyone")).isFalse();

        clock.advance(Duration.ofMinutes(15).minusSeconds(1));
        assertThat(throttle.isBlocked("192.0.2.1", "anyone")).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.isBlocked("192.0.2.1", "anyone")).isFalse();
        assertThat(throttle.delayFor("192.0.2.1", "anyone")).isEqualTo(Duration.ZERO);
    }

    @Test
    void AUTH_21_tenFailuresOnOneAccountFromManyIpsBlockTheAccount() {
        for (int i = 0; i < 10; i++) {
            throttle.recordFailure("198.51.100." + i, "alice");
        }
        assertThat(throttle.isBlocked("203.0.113.9", "alice")).isTrue();
        assertThat(throttle.isBlocked("203.0.113.9", "bob")).isFalse();
    }

    @Test
    void anIpThatLoggedInBeforeIsExemptFromTheAccountBlock() {
        throttle.recordSuccess("192.0.2.7", "alice");
        for (int i = 0; i < 10; i++) {
            throttle.recordFailure("198.51.100." + i, "alice");
        }
        assertThat(throttle.isBlocked("198.51.100.200", "alice")).isTrue();
        assertThat(throttle.isBlocked("192.0.2.7", "alice")).isFalse();
    }

    @Test
    void failuresOutsideTheWindowAreForgotten() {
        for (int i = 0; i < 9; i++) {
            throttle.recordFailure("192.0.2.1", "alice");
        }
        clock.advance(Duration.ofMinutes(16));
        throttle.recordFailure("192.0.2.1", "alice");
        assertThat(throttle.isBlocked("192.0.2.1", "alice")).isFalse();
        assertThat(throttle.delayFor("192.0.2.1", "alice")).isEqualTo(Duration.ZERO);
    }

    @Test
    void successClearsThePairCount() {
        AuthThrottle perPair = new AuthThrottle(ThrottleSettings.DEFAULT, clock);
        perPair.recordFailure("192.0.2.1", "alice");
        perPair.recordFailure("192.0.2.1", "alice");
        perPair.recordSuccess("192.0.2.1", "alice");
        // The IP's own count (2) still drives the delay; the pair no longer adds to it.
        perPair.recordFailure("192.0.2.1", "alice");
        assertThat(perPair.delayFor("192.0.2.1", "alice")).isEqualTo(Duration.ofMillis(500));
        perPair.recordFailure("192.0.2.9", "alice");
        assertThat(perPair.delayFor("192.0.2.9", "alice")).isEqualTo(Duration.ZERO);
    }

    @Test
    void memoryIsBounded() {
        ThrottleSettings small = new ThrottleSettings(10, 10, Duration.ofMinutes(15), Duration.ofMinutes(15),
                Duration.ofMillis(250), Duration.ofSeconds(5), 100);
        AuthThrottle bounded = new AuthThrottle(small, clock);
        for (int i = 0; i < 10_000; i++) {
            bounded.recordFailure("10.0." + (i / 256) + "." + (i % 256), "user" + i);
        }
        assertThat(bounded.trackedKeys()).isLessThanOrEqualTo(300);
    }

    @Test
    void unknownAccountCountsOnlyTheIp() {
        for (int i = 0; i < 10; i++) {
            throttle.recordFailure("192.0.2.1", null);
        }
        assertThat(throttle.isBlocked("192.0.2.1", null)).isTrue();
        assertThat(throttle.isBlocked("192.0.2.2", null)).isFalse();
    }
}
