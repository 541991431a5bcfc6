package dev.mailroom.delivery;

import java.time.Duration;

/** Exponential back-off between delivery attempts: initial, doubled each time, capped. */
record Backoff(Duration initial, Duration max) {
    Duration after(int attempts) {
        if (attempts <= 0) {
            return Duration.ZERO;
        }
        Duration d = initial;
        for (int i = 1; i < attempts && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }
}
