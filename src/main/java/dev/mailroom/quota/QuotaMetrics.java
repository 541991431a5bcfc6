package dev.mailroom.quota;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** How often each sending limit refused a command, since the start: thread-safe counters for the metrics export. */
public final class QuotaMetrics {
    private final Map<QuotaKind, LongAdder> refusals = new EnumMap<>(QuotaKind.class);

    public QuotaMetrics() {
        for (QuotaKind kind : QuotaKind.values()) {
            refusals.put(kind, new LongAdder());
        }
    }

    void refused(QuotaKind kind) {
        refusals.get(kind).increment();
    }

    /** Refusals by this limit so far. */
    public long count(QuotaKind kind) {
        return refusals.get(kind).sum();
    }

    /** Refusals by any limit so far. */
    public long total() {
        return refusals.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
