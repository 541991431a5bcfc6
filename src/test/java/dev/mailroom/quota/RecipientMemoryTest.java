package dev.mailroom.quota;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bounded memory of recipients: 30 days after the last use, and a cap per account. */
class RecipientMemoryTest {
    private static final long NOW = 29_000_000; // minutes since the epoch

    @Test
    void forgetsARecipientThirtyDaysAfterItsLastUse() {
        RecipientMemory m = new RecipientMemory(100);
        m.remember(7, NOW, NOW);
        m.remember(7, NOW - 10, NOW); // an older use changes nothing
        assertThat(m.knows(7, NOW + RecipientMemory.KEEP_MINUTES - 1)).isTrue();
        assertThat(m.knows(7, NOW + RecipientMemory.KEEP_MINUTES)).isFalse();
        assertThat(m.knows(8, NOW)).isFalse();
        m.remember(9, NOW - RecipientMemory.KEEP_MINUTES, NOW); // too old to remember at all
        assertThat(m.size()).isEqualTo(1);
    }

    @Test
    void keepsAtMostItsCapacityAndForgetsTheLeastRecentlyUsedFirst() {
        RecipientMemory m = new RecipientMemory(1000);
        for (long h = 1; h <= 5000; h++) {
            m.remember(h, NOW + h, NOW + h); // each in its own minute: h is also its age order
        }
        assertThat(m.size()).isLessThanOrEqualTo(1000);
        assertThat(m.knows(5000, NOW + 5000)).isTrue();
        assertThat(m.knows(4500, NOW + 5000)).isTrue();
        assertThat(m.knows(1, NOW + 5000)).isFalse();
        assertThat(m.knows(3000, NOW + 5000)).isFalse();
        long[] count = new long[1];
        m.forEach(NOW + 5000, (h, minute) -> {
            assertThat(minute).isEqualTo(NOW + h);
            count[0]++;
        });
        assertThat(count[0]).isEqualTo(m.size());
    }

    @Test
    void growsItsTableWithoutLosingEntries() {
        RecipientMemory m = new RecipientMemory(10_000);
        for (long h = 1; h <= 3000; h++) {
            m.remember(h * 0x9E3779B97F4A7C15L, NOW, NOW);
        }
        assertThat(m.size()).isEqualTo(3000);
        for (long h = 1; h <= 3000; h++) {
            assertThat(m.knows(h * 0x9E3779B97F4A7C15L, NOW)).isTrue();
        }
    }
}
