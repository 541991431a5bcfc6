package dev.mailroom.quota;

import java.util.Arrays;
import java.util.List;

/**
 * What one transaction of an account holds, from MAIL to its end: one message and the recipients so far. It ends
 * exactly once, with {@link #commit} when the message is accepted or {@link #release} when it is not; later calls
 * change nothing. Used by one session thread.
 */
public final class Reservation {
    private final SendingQuota quota;
    private final AccountUsage usage;
    private final QuotaLimits limits;
    private final boolean countNew;
    private long recipients;
    private long[] hashes = new long[0];
    private long[] heldAsNew = new long[0];
    private boolean ended;

    Reservation(SendingQuota quota, AccountUsage usage, QuotaLimits limits) {
        this.quota = quota;
        this.usage = usage;
        this.limits = limits;
        // Remembering recipients costs a hash and memory per recipient: only where new ones are limited.
        this.countNew = limits.newRecipientsPerDay() > 0;
    }

    /** At RCPT: holds room for these recipients (the envelope addresses one RCPT adds), or none of them. */
    public void addRecipients(List<String> addresses) throws QuotaExceededException {
        if (ended) {
            throw new IllegalStateException("the transaction has ended");
        }
        long[] added = countNew ? addresses.stream().mapToLong(quota::hash).toArray() : new long[0];
        long[] nowNew = quota.holdRecipients(usage, limits, addresses.size(), added);
        recipients += addresses.size();
        hashes = concat(hashes, added);
        heldAsNew = concat(heldAsNew, nowNew);
    }

    /** The 250 after the data: the message and its recipients count. */
    public void commit() {
        if (!ended) {
            ended = true;
            quota.commit(usage, recipients, hashes, heldAsNew);
        }
    }

    /** The transaction ended without a message (RSET, a rejection, a lost connection): nothing counts. */
    public void release() {
        if (!ended) {
            ended = true;
            usage.release(recipients, heldAsNew);
        }
    }

    private static long[] concat(long[] a, long[] b) {
        if (b.length == 0) {
            return a;
        }
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
