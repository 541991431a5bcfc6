package dev.mailroom.directory;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Failure counters by key (an IP, an account or a pair) with a fixed window and an optional block, in a
 * map of bounded size. Not thread-safe: {@link AuthThrottle} holds the lock.
 */
final class BoundedCounters {

    static final class Counter {
        Instant windowStart;
        int failures;
        Instant blockedUntil;
        Instant trustedUntil;

        boolean isBlocked(Instant now) {
            return blockedUntil != null && now.isBefore(blockedUntil);
        }
    }

    private final Duration window;
    private final int maxKeys;
    // Access order: the least recently touched key is evicted first when the map is full.
    private final LinkedHashMap<String, Counter> counters = new LinkedHashMap<>(16, 0.75f, true);

    BoundedCounters(Duration window, int maxKeys) {
        this.window = window;
        this.maxKeys = maxKeys;
    }

    /** The live counter for key, or null; an expired one is dropped and reported as absent. */
    Counter get(String key, Instant now) {
        Counter c = counters.get(key);
        if (c != null && isExpired(c, now)) {
            counters.remove(key);
            return null;
        }
        return c;
    }

    Counter getOrCreate(String key, Instant now) {
        Counter c = get(key, now);
        if (c == null) {
            makeRoom(now);
            c = new Counter();
            c.windowStart = now;
            counters.put(key, c);
        } else if (!now.isBefore(c.windowStart.plus(window)) && !c.isBlocked(now)) {
            c.windowStart = now; // window over: start counting afresh
            c.failures = 0;
            c.blockedUntil = null;
        }
        return c;
    }

    /** Failures within the current window (0 if the window or the block has ended). */
    int failures(String key, Instant now) {
        Counter c = get(key, now);
        if (c == null || (!now.isBefore(c.windowStart.plus(window)) && !c.isBlocked(now))) {
            return 0;
        }
        return c.failures;
    }

    void remove(String key) {
        counters.remove(key);
    }

    int size() {
        return counters.size();
    }

    private boolean isExpired(Counter c, Instant now) {
        boolean windowOver = !now.isBefore(c.windowStart.plus(window));
        boolean blockOver = c.blockedUntil == null || !now.isBefore(c.blockedUntil);
        boolean trustOver = c.trustedUntil == null || !now.isBefore(c.trustedUntil);
        return windowOver && blockOver && trustOver;
    }

    /**
     * Drop expired entries from the old end, then, if still full, the least recently used live one. Evicting
     * a live entry forgets some failures, but an unbounded map would let an address sweep exhaust the heap.
     */
    private void makeRoom(Instant now) {
        Iterator<Counter> it = counters.values().iterator();
        while (it.hasNext()) {
            Counter eldest = it.next();
            if (counters.size() < maxKeys && !isExpired(eldest, now)) {
                break;
            }
            it.remove();
        }
    }
}
