package dev.mailroom.quota;

import dev.mailroom.log.EventLog;
import dev.mailroom.log.LogBudget;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Sending quotas per authenticated account: messages per hour and per day, recipients per day and new recipients
 * per day, over sliding windows of one-minute buckets (no burst at a window's edge), kept across restarts in
 * {@code DIR/usage.journal}.
 *
 * <p>A transaction {@linkplain #reserveMessage reserves} a message at MAIL and its recipients at RCPT; the
 * {@link Reservation} is committed with the 250 after the data or released, so rejected and abandoned
 * transactions use nothing, and concurrent sessions of one account cannot together pass a limit.
 */
public final class SendingQuota implements Closeable {
    /** Recipients remembered per account (30 days at most); beyond, the least recently used are forgotten. */
    public static final int REMEMBERED_RECIPIENTS = 10_000;
    /** The running journal is rewritten once it has grown past this, or past twice its size after the last rewrite. */
    private static final long REWRITE_AT_LEAST = 64L << 20;
    private static final long FLUSH_INTERVAL_MILLIS = 1000;

    private final QuotaSettings settings;
    private final Clock clock;
    private final RecipientHasher hasher;
    private final UsageJournal journal;
    /** One entry per account that sent since the start or in the journal's window: bounded by the users. */
    private final Map<String, AccountUsage> accounts = new ConcurrentHashMap<>();
    private final QuotaMetrics metrics = new QuotaMetrics();
    /** Commits hold it shared (state and journal change together); a rewrite holds it alone. */
    private final ReentrantReadWriteLock rewriteLock = new ReentrantReadWriteLock();
    private final LogBudget errorLog = new LogBudget(1, 10, System::nanoTime);
    private final Thread flusher;
    /** Counted down by close: the flusher waits on it instead of sleeping, as an interrupt could break its I/O. */
    private final CountDownLatch closing = new CountDownLatch(1);
    private long rewriteAt;

    private SendingQuota(Path dir, QuotaSettings settings, Clock clock) throws IOException {
        this.settings = settings;
        this.clock = clock;
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
        this.hasher = RecipientHasher.load(dir.resolve("key"));
        long now = clock.millis();
        this.journal = UsageJournal.replay(dir.resolve("usage.journal"), r -> account(r.account()).apply(r, now));
        this.flusher = Thread.ofPlatform().name("quota-journal").daemon(true).unstarted(this::flushLoop);
    }

    /** Loads the usage kept in {@code dir} (made if missing), compacts it, and starts the once-a-second flush. */
    public static SendingQuota open(Path dir, QuotaSettings settings, Clock clock) throws IOException {
        SendingQuota quota = new SendingQuota(dir, settings, clock);
        quota.rewrite();
        quota.flusher.start();
        return quota;
    }

    /**
     * At MAIL: holds one message of the account's allowance for this transaction.
     *
     * @throws QuotaExceededException when the message would pass the hourly or daily limit
     */
    public Reservation reserveMessage(String account) throws QuotaExceededException {
        QuotaLimits limits = settings.forAccount(account);
        AccountUsage usage = account(account.toLowerCase(Locale.ROOT));
        try {
            usage.holdMessage(limits, clock.millis());
        } catch (QuotaExceededException e) {
            metrics.refused(e.kind());
            throw e;
        }
        return new Reservation(this, usage, limits);
    }

    /** What the account has used and holds now. */
    public Usage usage(String account) {
        return account(account.toLowerCase(Locale.ROOT)).usage(clock.millis());
    }

    public QuotaMetrics metrics() {
        return metrics;
    }

    long[] holdRecipients(AccountUsage usage, QuotaLimits limits, int count, long[] hashes) throws QuotaExceededException {
        try {
            return usage.holdRecipients(limits, count, hashes, clock.millis());
        } catch (QuotaExceededException e) {
            metrics.refused(e.kind());
            throw e;
        }
    }

    long hash(String address) {
        return hasher.hash(address);
    }

    void commit(AccountUsage usage, long recipients, long[] hashes, long[] heldAsNew) {
        rewriteLock.readLock().lock();
        try {
            UsageRecord record = usage.commit(recipients, hashes, heldAsNew, clock.millis());
            journal.append(record);
        } catch (IOException e) {
            // The message is accepted and counted in memory; only a restart before the next rewrite would forget it.
            logError(e);
        } finally {
            rewriteLock.readLock().unlock();
        }
    }

    private AccountUsage account(String key) {
        return accounts.computeIfAbsent(key, k -> new AccountUsage(k, REMEMBERED_RECIPIENTS));
    }

    /** Writes the journal anew from the state in memory: at start, and whenever it has grown large. */
    private void rewrite() throws IOException {
        rewriteLock.writeLock().lock();
        try {
            long now = clock.millis();
            journal.rewrite(out -> accounts.values().forEach(a -> a.snapshot(now, out)));
            rewriteAt = Math.max(REWRITE_AT_LEAST, 2 * journal.size());
        } finally {
            rewriteLock.writeLock().unlock();
        }
    }

    private void flushLoop() {
        while (true) {
            try {
                if (closing.await(FLUSH_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                journal.force();
                if (journal.size() > rewriteAt) {
                    rewrite();
                }
            } catch (IOException e) {
                logError(e);
            }
        }
    }

    private void logError(IOException e) {
        long dropped = errorLog.take();
        if (dropped >= 0) {
            EventLog.warn("quota-journal-error", "error", String.valueOf(e), "suppressed", dropped > 0 ? dropped : null);
        }
    }

    /** Stops the flush and makes every count durable. */
    @Override
    public void close() {
        closing.countDown();
        try {
            flusher.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        rewriteLock.writeLock().lock();
        try {
            journal.close();
        } catch (IOException e) {
            logError(e);
        } finally {
            rewriteLock.writeLock().unlock();
        }
    }
}
