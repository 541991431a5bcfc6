package dev.mailroom.quota;

import java.util.Arrays;

/**
 * The recipients one account has sent to, as 64-bit keyed hashes with the minute each was last sent to, for
 * telling a new recipient from a known one. Bounded twice: an entry is forgotten 30 days after its last use,
 * and an account keeps at most {@code capacity} entries (then the least recently used tenth goes; a forgotten
 * recipient only counts as new once more). An open-addressing table of two primitive arrays, 12 octets an
 * entry before the table's slack, instead of a map of boxed values at several times that. Not thread-safe.
 */
final class RecipientMemory {
    /** How long a recipient stays known after the account last sent to it. */
    static final long KEEP_MINUTES = 30L * 24 * 60;

    private static final long EMPTY = 0; // hashes are never 0 (RecipientHasher)

    private final int capacity;
    private long[] hashes = new long[16];
    private int[] lastSeen = new int[16];
    private int size;

    RecipientMemory(int capacity) {
        this.capacity = capacity;
    }

    /** Whether the account sent to this recipient within the last 30 days. */
    boolean knows(long hash, long nowMinute) {
        int slot = find(hash);
        return hashes[slot] == hash && lastSeen[slot] > nowMinute - KEEP_MINUTES;
    }

    /** Notes a recipient as sent to in {@code minute} (an older minute than the one noted already changes nothing). */
    void remember(long hash, long minute, long nowMinute) {
        if (minute <= nowMinute - KEEP_MINUTES) {
            return;
        }
        int slot = find(hash);
        if (hashes[slot] == hash) {
            lastSeen[slot] = Math.max(lastSeen[slot], (int) minute);
            return;
        }
        if (size >= capacity) {
            prune(nowMinute);
            slot = find(hash);
        } else if ((size + 1) * 2 > hashes.length) {
            rehash(hashes.length * 2, Integer.MIN_VALUE);
            slot = find(hash);
        }
        hashes[slot] = hash;
        lastSeen[slot] = (int) minute;
        size++;
    }

    int size() {
        return size;
    }

    /** Each remembered recipient (for storing the memory). */
    void forEach(long nowMinute, EntryVisitor visitor) {
        for (int i = 0; i < hashes.length; i++) {
            if (hashes[i] != EMPTY && lastSeen[i] > nowMinute - KEEP_MINUTES) {
                visitor.entry(hashes[i], lastSeen[i]);
            }
        }
    }

    @FunctionalInterface
    interface EntryVisitor {
        void entry(long hash, long minute);
    }

    /** Linear probing: the slot holding {@code hash}, or the empty slot where it would go. */
    private int find(long hash) {
        int mask = hashes.length - 1;
        int slot = (int) (hash ^ (hash >>> 32)) & mask;
        while (hashes[slot] != EMPTY && hashes[slot] != hash) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** Drops what has expired and, if the memory is still nine tenths full, the least recently used entries. */
    private void prune(long nowMinute) {
        int keepAfter = (int) (nowMinute - KEEP_MINUTES);
        int live = 0;
        int[] minutes = new int[size];
        for (int i = 0; i < hashes.length; i++) {
            if (hashes[i] != EMPTY && lastSeen[i] > keepAfter) {
                minutes[live++] = lastSeen[i];
            }
        }
        int target = capacity - capacity / 10 - 1;
        if (live > target) {
            Arrays.sort(minutes, 0, live);
            keepAfter = Math.max(keepAfter, minutes[live - target - 1]);
        }
        rehash(hashes.length, keepAfter);
    }

    /** Rebuilds the table at {@code length} slots with the entries last seen after {@code keepAfter}. */
    private void rehash(int length, int keepAfter) {
        long[] oldHashes = hashes;
        int[] oldSeen = lastSeen;
        hashes = new long[length];
        lastSeen = new int[length];
        size = 0;
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldHashes[i] != EMPTY && oldSeen[i] > keepAfter) {
                int slot = find(oldHashes[i]);
                hashes[slot] = oldHashes[i];
                lastSeen[slot] = oldSeen[i];
                size++;
            }
        }
    }
}
