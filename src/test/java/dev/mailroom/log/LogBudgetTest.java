package dev.mailroom.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogBudgetTest {

    @Test
    void MSA_14_aFloodIsCutToTheBudgetAndTheDroppedLinesAreCounted() {
        AtomicLong now = new AtomicLong();
        LogBudget budget = new LogBudget(10, 5, now::get);
        int written = 0;
        for (int i = 0; i < 10_000; i++) {
            if (budget.take() >= 0) {
                written++;
            }
        }
        assertThat(written).isEqualTo(5); // the burst, nothing more within the same instant
        now.addAndGet(1_000_000_000L); // one second later: 10 more tokens, capped at the burst of 5
        assertThat(budget.take()).isEqualTo(10_000 - 5); // the first line after the flood reports the drops
        assertThat(budget.take()).isZero();
    }

    @Test
    void withinBudgetNothingIsDropped() {
        AtomicLong now = new AtomicLong();
        LogBudget budget = new LogBudget(100, 100, now::get);
        for (int i = 0; i < 1000; i++) {
            now.addAndGet(10_000_000L); // 100 lines per second exactly
            assertThat(budget.take()).isZero();
        }
    }
}
