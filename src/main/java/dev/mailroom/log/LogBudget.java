package dev.mailroom.log;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket for log lines that clients can cause (RFC 6409 sections 5.2 and 9: log client errors, but
 * rate-limit the logging so that a flood of bad commands cannot fill the disk). Lines over budget are
 * counted, and the next line that fits reports how many were dropped.
 */
public final class LogBudget {
    private final long perSecond;
    private final long burst;
    private final LongSupplier nanoClock;
    private long tokens;
    private long lastRefill;
    private final AtomicLong suppressed = new AtomicLong();

    public LogBudget(long perSecond, long burst, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.lastRefill = nanoClock.getAsLong();
    }

    /**
     * Takes one line's worth of budget. Returns -1 when the line must be dropped; otherwise how many lines
     * were dropped since the last one that was written (usually 0).
     */
    public synchronized long take() {
        long now = nanoClock.getAsLong();
        long refill = (now - lastRefill) * perSecond / 1_000_000_000L;
        if (refill > 0) {
            tokens = Math.min(burst, tokens + refill);
            lastRefill = now;
        }
        if (tokens == 0) {
            suppressed.incrementAndGet();
            return -1;
        }
        tokens--;
        return suppressed.getAndSet(0);
    }
}
