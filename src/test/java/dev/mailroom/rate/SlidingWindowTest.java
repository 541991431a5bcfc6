package dev.mailroom.rate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.directory.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The window arithmetic: one-minute buckets, windows of an hour and a day, moved by a hand-driven clock. */
class SlidingWindowTest {
    private final MutableClock clock = new MutableClock(); // starts at 2026-01-01T00:00:00Z
    private final SlidingWindow window = new SlidingWindow(Duration.ofMinutes(1), 1440);

    private long now() {
        return clock.millis();
    }

    @Test
    void sumsTheBucketsWithinTheWindow() {
        window.add(now(), 2);
        clock.advance(Duration.ofSeconds(30));
        window.add(now(), 1); // the same minute
        clock.advance(Duration.ofMinutes(10));
        window.add(now(), 4);
        assertThat(window.sum(now(), 60)).isEqualTo(7);
        assertThat(window.sum(now(), 5)).isEqualTo(4);
        assertThat(window.sum(now(), 1440)).isEqualTo(7);
    }

    @Test
    void aCountLeavesTheHourWindowSixtyBucketsLater() {
        clock.advance(Duration.ofSeconds(45)); // 00:00:45, bucket 00:00
        window.add(now(), 1);
        clock.advance(Duration.ofMinutes(59)); // 00:59:45: buckets 00:00..00:59
        assertThat(window.sum(now(), 60)).isEqualTo(1);
        clock.advance(Duration.ofSeconds(15)); // 01:00:00: buckets 00:01..01:00
        assertThat(window.sum(now(), 60)).isZero();
        assertThat(window.sum(now(), 1440)).isEqualTo(1);
    }

    @Test
    void noBurstAtTheBoundaryOfAnHour() {
        // A fixed hourly window would allow 10 at 00:59 and 10 more at 01:00; the sliding one still sees the first 10.
        clock.advance(Duration.ofMinutes(59));
        window.add(now(), 10);
        clock.advance(Duration.ofMinutes(1));
        assertThat(window.sum(now(), 60)).isEqualTo(10);
        clock.advance(Duration.ofMinutes(58));
        assertThat(window.sum(now(), 60)).isEqualTo(10);
        clock.advance(Duration.ofMinutes(1)); // 01:59: bucket 00:59 has left
        assertThat(window.sum(now(), 60)).isZero();
    }

    @Test
    void whenAtMostNamesTheMinuteEnoughOldCountsHaveLeft() {
        window.add(now(), 3);                       // 00:00
        clock.advance(Duration.ofMinutes(20));
        window.add(now(), 2);                       // 00:20
        clock.advance(Duration.ofMinutes(10));      // 00:30, 5 in the last hour
        assertThat(window.whenAtMost(now(), 60, 5)).isEqualTo(now());
        assertThat(Instant.ofEpochMilli(window.whenAtMost(now(), 60, 4))).isEqualTo("2026-01-01T01:00:00Z");
        assertThat(Instant.ofEpochMilli(window.whenAtMost(now(), 60, 2))).isEqualTo("2026-01-01T01:00:00Z");
        assertThat(Instant.ofEpochMilli(window.whenAtMost(now(), 60, 1))).isEqualTo("2026-01-01T01:20:00Z");
        assertThat(Instant.ofEpochMilli(window.whenAtMost(now(), 60, 0))).isEqualTo("2026-01-01T01:20:00Z");
        assertThat(Instant.ofEpochMilli(window.whenAtMost(now(), 1440, 0))).isEqualTo("2026-01-02T00:20:00Z");
        assertThatThrownBy(() -> window.whenAtMost(now(), 60, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bucketsBeyondTheSpanAreDropped() {
        window.add(now(), 1);
        clock.advance(Duration.ofMinutes(1439));
        assertThat(window.isEmpty(now())).isFalse();
        clock.advance(Duration.ofMinutes(1));
        assertThat(window.isEmpty(now())).isTrue();
        assertThat(window.sum(now(), 1440)).isZero();
    }

    @Test
    void aLateCountGoesIntoItsOwnBucketAndTooOldOnesAreIgnored() {
        long start = window.bucketOf(now());
        clock.advance(Duration.ofMinutes(10));
        window.add(now(), 1);
        window.addToBucket(start + 5, 2, window.bucketOf(now()));   // out of order, as a replay may be
        window.addToBucket(start + 5, 1, window.bucketOf(now()));
        window.addToBucket(start - 1440, 9, window.bucketOf(now())); // a day and ten minutes old
        List<String> buckets = new ArrayList<>();
        window.forEach(now(), (b, c) -> buckets.add((b - start) + ":" + c));
        assertThat(buckets).containsExactly("5:3", "10:1");
        assertThat(window.sum(now(), 60)).isEqualTo(4);
        assertThat(window.sum(now(), 5)).isEqualTo(1);
    }

    @Test
    void aFullDayOfBucketsStaysWithinTheSpan() {
        for (int i = 0; i < 3000; i++) {
            window.add(now(), 1);
            clock.advance(Duration.ofMinutes(1));
        }
        List<Long> buckets = new ArrayList<>();
        window.forEach(now(), (b, c) -> buckets.add(b));
        assertThat(buckets).hasSize(1439); // the current minute has no count yet
        assertThat(window.sum(now(), 1440)).isEqualTo(1439);
        assertThat(window.sum(now(), 60)).isEqualTo(59);
    }

    @Test
    void secondBucketsForAConnectionRate() {
        SlidingWindow rate = new SlidingWindow(Duration.ofSeconds(5), 12);
        for (int i = 0; i < 12; i++) {
            rate.add(now(), 1);
            clock.advance(Duration.ofSeconds(5));
        }
        assertThat(rate.sum(now(), 12)).isEqualTo(11); // the first bucket has just left the minute
        clock.advance(Duration.ofSeconds(55));
        assertThat(rate.isEmpty(now())).isTrue();
    }
}
