package dev.mailroom.rate;

import java.time.Duration;
import java.util.Arrays;

/**
 * Counts in fixed time buckets, summed over a window that slides one bucket at a time: "how many in the last
 * N buckets". Unlike a fixed window (reset every hour on the hour) it allows no burst at the boundary: a client
 * cannot spend its allowance at 11:59 and again at 12:00.
 *
 * <p>Buckets are numbered from the epoch ({@code millis / bucketMillis}), so a window can be written down and
 * restored after a restart. Only buckets that hold a count take memory (two longs each), at most {@code span}
 * of them; buckets older than the span are dropped as time moves on. Not thread-safe: the owner locks.
 */
public final class SlidingWindow {
    private final long bucketMillis;
    private final int span;
    // Kept buckets in ascending index order: index[i] holds count[i], for i < size.
    private long[] index = new long[4];
    private long[] count = new long[4];
    private int size;
    private long total; // of every kept bucket: the sum over the whole span without a pass

    /**
     * @param bucket the width of one bucket (e.g. a minute)
     * @param span   how many buckets are kept: the longest window this counter answers for (e.g. 1440 for a day)
     */
    public SlidingWindow(Duration bucket, int span) {
        if (bucket.toMillis() <= 0 || span <= 0) {
            throw new IllegalArgumentException("bucket and span must be positive");
        }
        this.bucketMillis = bucket.toMillis();
        this.span = span;
    }

    /** The bucket that the instant {@code millis} (since the epoch) falls into. */
    public long bucketOf(long millis) {
        return Math.floorDiv(millis, bucketMillis);
    }

    /** The instant at which bucket {@code bucket} begins. */
    public long startOf(long bucket) {
        return bucket * bucketMillis;
    }

    /** Counts {@code n} at the instant {@code nowMillis}. */
    public void add(long nowMillis, long n) {
        addToBucket(bucketOf(nowMillis), n, bucketOf(nowMillis));
    }

    /**
     * Counts {@code n} in a given bucket (restoring a stored window, or a count that arrives a little late). A
     * bucket already outside the span at {@code nowMillis} is ignored.
     */
    public void addToBucket(long bucket, long n, long nowBucket) {
        if (n == 0 || bucket <= nowBucket - span) {
            return;
        }
        total += n;
        int at = Arrays.binarySearch(index, 0, size, bucket);
        if (at >= 0) {
            count[at] += n;
            return;
        }
        int insert = -at - 1;
        if (size == index.length) {
            // Never more than the span (plus one while a bucket is being added), unless the clock stepped back.
            int grown = Math.max(size + 1, Math.min(size * 2, span + 1));
            index = Arrays.copyOf(index, grown);
            count = Arrays.copyOf(count, grown);
        }
        System.arraycopy(index, insert, index, insert + 1, size - insert);
        System.arraycopy(count, insert, count, insert + 1, size - insert);
        index[insert] = bucket;
        count[insert] = n;
        size++;
        expire(nowBucket);
    }

    /** The sum over the last {@code buckets} buckets up to and including the one of {@code nowMillis}. */
    public long sum(long nowMillis, int buckets) {
        long now = bucketOf(nowMillis);
        expire(now);
        if (buckets >= span) {
            return total;
        }
        long oldestIn = now - buckets;
        long sum = 0;
        for (int i = size - 1; i >= 0 && index[i] > oldestIn; i--) {
            sum += count[i];
        }
        return sum;
    }

    /**
     * When the sum over the last {@code buckets} buckets will have fallen to {@code target} or below if nothing
     * more is added: the start of the bucket in which enough old counts have left the window. Bucket {@code i}
     * leaves a window of {@code buckets} buckets when bucket {@code i + buckets} begins.
     *
     * @return {@code nowMillis} when the sum is already low enough
     * @throws IllegalArgumentException when {@code target} is negative (no waiting gets there)
     */
    public long whenAtMost(long nowMillis, int buckets, long target) {
        if (target < 0) {
            throw new IllegalArgumentException("target must not be negative");
        }
        long excess = sum(nowMillis, buckets) - target;
        if (excess <= 0) {
            return nowMillis;
        }
        long oldestIn = bucketOf(nowMillis) - Math.min(buckets, span);
        long leaving = 0;
        for (int i = 0; i < size; i++) {
            if (index[i] <= oldestIn) {
                continue;
            }
            leaving += count[i];
            if (leaving >= excess) {
                return startOf(index[i] + Math.min(buckets, span));
            }
        }
        throw new IllegalStateException("unreachable: the whole window leaves eventually");
    }

    /** True when no bucket within the span holds a count. */
    public boolean isEmpty(long nowMillis) {
        expire(bucketOf(nowMillis));
        return size == 0;
    }

    /** Each kept bucket, oldest first (for storing the window). */
    public void forEach(long nowMillis, BucketVisitor visitor) {
        expire(bucketOf(nowMillis));
        for (int i = 0; i < size; i++) {
            visitor.bucket(index[i], count[i]);
        }
    }

    /** Receives one bucket. */
    @FunctionalInterface
    public interface BucketVisitor {
        void bucket(long bucket, long count);
    }

    /** Drops the buckets that have left the span. */
    private void expire(long nowBucket) {
        long oldestKept = nowBucket - span;
        int drop = 0;
        while (drop < size && index[drop] <= oldestKept) {
            total -= count[drop];
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(index, drop, index, 0, size - drop);
            System.arraycopy(count, drop, count, 0, size - drop);
            size -= drop;
        }
    }
}
