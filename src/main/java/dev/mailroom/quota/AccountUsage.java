package dev.mailroom.quota;

import dev.mailroom.rate.SlidingWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * What one account has sent in the last day (sliding windows of one-minute buckets), what its open transactions
 * hold, and whom it has written to in the last 30 days.
 *
 * <p>A command checks used + held + asked against each limit and, if it fits, holds its share until the
 * transaction ends: committed with the 250 after the data, or released. So concurrent sessions of one account
 * can never together pass a limit, and only accepted messages use it up. All methods lock the account.
 */
final class AccountUsage {
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final int DAY = 24 * 60;

    private final String account;
    private final SlidingWindow messages = new SlidingWindow(MINUTE, DAY);
    private final SlidingWindow recipients = new SlidingWindow(MINUTE, DAY);
    private final SlidingWindow newRecipients = new SlidingWindow(MINUTE, DAY);
    private final RecipientMemory seen;
    private long heldMessages;
    private long heldRecipients;
    /**
     * Unknown recipients held by open transactions, with how many hold each: a recipient counts once towards the
     * new-recipient limit however many sessions address it. A commit makes it known and drops it from here.
     */
    private final Map<Long, Integer> heldNew = new HashMap<>();

    AccountUsage(String account, int rememberedRecipients) {
        this.account = account;
        this.seen = new RecipientMemory(rememberedRecipients);
    }

    /** At MAIL: room for one more message this hour and today. */
    synchronized void holdMessage(QuotaLimits limits, long nowMillis) throws QuotaExceededException {
        check(QuotaKind.MESSAGES_PER_HOUR, limits, messages, heldMessages, 1, nowMillis);
        check(QuotaKind.MESSAGES_PER_DAY, limits, messages, heldMessages, 1, nowMillis);
        heldMessages++;
    }

    /**
     * At RCPT: room for these recipients today, and for those of them that are new. All or nothing.
     *
     * @param hashes the recipients' hashes, or empty when new recipients are not counted for this account
     * @param count  how many recipients
     * @return the hashes this transaction now holds as new (to pass back at commit or release)
     */
    synchronized long[] holdRecipients(QuotaLimits limits, int count, long[] hashes, long nowMillis)
            throws QuotaExceededException {
        check(QuotaKind.RECIPIENTS_PER_DAY, limits, recipients, heldRecipients, count, nowMillis);
        long nowMinute = nowMillis / MINUTE.toMillis();
        long[] unknown = new long[hashes.length];
        int n = 0;
        int fresh = 0;
        for (long h : hashes) {
            if (!seen.knows(h, nowMinute)) {
                boolean countedAlready = heldNew.containsKey(h);
                for (int i = 0; i < n && !countedAlready; i++) {
                    countedAlready = unknown[i] == h;
                }
                if (!countedAlready) {
                    fresh++;
                }
                unknown[n++] = h;
            }
        }
        check(QuotaKind.NEW_RECIPIENTS_PER_DAY, limits, newRecipients, heldNew.size(), fresh, nowMillis);
        heldRecipients += count;
        for (int i = 0; i < n; i++) {
            heldNew.merge(unknown[i], 1, Integer::sum);
        }
        return java.util.Arrays.copyOf(unknown, n);
    }

    /** The message was accepted: what it held becomes usage. Returns the journal record. */
    synchronized UsageRecord commit(long recipientCount, long[] recipientHashes, long[] heldAsNew, long nowMillis) {
        long nowMinute = nowMillis / MINUTE.toMillis();
        heldMessages--;
        heldRecipients -= recipientCount;
        long fresh = 0;
        for (long h : heldAsNew) {
            if (heldNew.remove(h) != null && !seen.knows(h, nowMinute)) {
                fresh++;
            }
        }
        for (long h : recipientHashes) {
            seen.remember(h, nowMinute, nowMinute);
        }
        messages.add(nowMillis, 1);
        recipients.add(nowMillis, recipientCount);
        newRecipients.add(nowMillis, fresh);
        return new UsageRecord(nowMinute, account, 1, recipientCount, fresh, recipientHashes);
    }

    /** The transaction ended without a message: give back what it held. */
    synchronized void release(long recipientCount, long[] heldAsNew) {
        heldMessages--;
        heldRecipients -= recipientCount;
        for (long h : heldAsNew) {
            heldNew.computeIfPresent(h, (k, v) -> v > 1 ? v - 1 : null);
        }
    }

    /** Replays one journal record. */
    synchronized void apply(UsageRecord r, long nowMillis) {
        long nowMinute = nowMillis / MINUTE.toMillis();
        messages.addToBucket(r.minute(), r.messages(), nowMinute);
        recipients.addToBucket(r.minute(), r.recipients(), nowMinute);
        newRecipients.addToBucket(r.minute(), r.newRecipients(), nowMinute);
        for (long h : r.seen()) {
            seen.remember(h, r.minute(), nowMinute);
        }
    }

    /** The account's state as journal records: one per used minute, then the remembered recipients by minute. */
    synchronized void snapshot(long nowMillis, Consumer<UsageRecord> out) {
        TreeMap<Long, long[]> minutes = new TreeMap<>();
        messages.forEach(nowMillis, (m, c) -> minutes.computeIfAbsent(m, k -> new long[3])[0] += c);
        recipients.forEach(nowMillis, (m, c) -> minutes.computeIfAbsent(m, k -> new long[3])[1] += c);
        newRecipients.forEach(nowMillis, (m, c) -> minutes.computeIfAbsent(m, k -> new long[3])[2] += c);
        minutes.forEach((m, c) -> out.accept(new UsageRecord(m, account, c[0], c[1], c[2], new long[0])));
        TreeMap<Long, List<Long>> byMinute = new TreeMap<>();
        seen.forEach(nowMillis / MINUTE.toMillis(), (h, m) -> byMinute.computeIfAbsent(m, k -> new ArrayList<>()).add(h));
        byMinute.forEach((m, hashes) -> {
            for (int from = 0; from < hashes.size(); from += 64) {
                long[] chunk = hashes.subList(from, Math.min(from + 64, hashes.size())).stream()
                        .mapToLong(Long::longValue).toArray();
                out.accept(new UsageRecord(m, account, 0, 0, 0, chunk));
            }
        });
    }

    /** Used and held now, per kind (for the admin and the tests). */
    synchronized Usage usage(long nowMillis) {
        return new Usage(messages.sum(nowMillis, QuotaKind.MESSAGES_PER_HOUR.minutes()),
                messages.sum(nowMillis, DAY), recipients.sum(nowMillis, DAY), newRecipients.sum(nowMillis, DAY),
                seen.size(), heldMessages, heldRecipients);
    }

    private static void check(QuotaKind kind, QuotaLimits limits, SlidingWindow window, long held, long asked,
                              long nowMillis) throws QuotaExceededException {
        long limit = limits.limit(kind);
        if (limit == 0) {
            return;
        }
        long used = window.sum(nowMillis, kind.minutes());
        if (used + held + asked <= limit) {
            return;
        }
        long target = limit - held - asked;
        // When open transactions hold the room (target < 0), they end within minutes: say the next minute.
        long freeAt = target >= 0 ? window.whenAtMost(nowMillis, kind.minutes(), target)
                : window.startOf(window.bucketOf(nowMillis) + 1);
        throw new QuotaExceededException(kind, limit, Instant.ofEpochMilli(freeAt));
    }
}
