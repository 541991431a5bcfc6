package dev.mailroom.queue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;

/**
 * The operator's actions while no server runs (after a crash, or before the first start): they change the spool
 * files themselves, and the next start acts on them, since the scheduler schedules every message at the next
 * attempt time its state file names and skips held ones. The caller must hold the {@link SpoolLock}.
 *
 * <p>Bounce is refused: the failure notice to the sender is written by the server's notifier, and marking the
 * recipients failed here would lose it (the next start sees nothing change and sends nothing).
 */
public final class OfflineQueue {
    private final Spool spool;
    private final Clock clock;
    private final Notices notices;

    /**
     * Writes the failure notice of a bounced message into the spool (the delivery package's notifier, which the
     * queue package cannot name): the next start sends it like any queued message.
     */
    @FunctionalInterface
    public interface Notices {
        void failed(StoredMessage message, DeliveryState failed) throws IOException;
    }

    /** Without a notice writer: {@link #bounce} is refused. */
    public OfflineQueue(Spool spool, Clock clock) {
        this(spool, clock, null);
    }

    public OfflineQueue(Spool spool, Clock clock, Notices notices) {
        this.spool = spool;
        this.clock = clock;
        this.notices = notices;
    }

    public QueueActions actions() {
        return new QueueActions(this::flush, this::flushAll, this::hold, this::release, this::delete, this::bounce);
    }

    /**
     * Makes the message due now: the next start delivers it at once. A held message stays held and untouched,
     * as with the running server's flush.
     */
    public boolean flush(String id) throws IOException {
        return flushed(id) != null;
    }

    /** @return how many messages were made due (held ones are not) */
    public int flushAll() throws IOException {
        int n = 0;
        for (String id : spool.list()) {
            StoredMessage m = flushed(id);
            if (m != null && !m.state().held()) {
                n++;
            }
        }
        return n;
    }

    /** @return the message, or null when there is none */
    private StoredMessage flushed(String id) throws IOException {
        StoredMessage m = find(id);
        if (m == null || m.state().held()) {
            return m;
        }
        Instant now = clock.instant();
        if (m.state().nextAttempt().isAfter(now)) {
            // The whole state, not only the due time (the state file's mtime), so that `queue show` agrees.
            spool.saveState(id, m.state().withAttempt(m.state().attempts(), now));
        }
        return m;
    }

    public boolean hold(String id) throws IOException {
        StoredMessage m = find(id);
        if (m == null) {
            return false;
        }
        spool.saveState(id, m.state().withHeld(true));
        return true;
    }

    /** Clears the hold and makes the message due now, as the running server's release does. */
    public boolean release(String id) throws IOException {
        StoredMessage m = find(id);
        if (m == null) {
            return false;
        }
        spool.saveState(id, m.state().withHeld(false).withAttempt(m.state().attempts(), clock.instant()));
        return true;
    }

    public boolean delete(String id) throws IOException {
        if (find(id) == null) {
            return false;
        }
        spool.remove(id);
        return true;
    }

    /** Fails every pending recipient, queues the failure notice to the sender, and removes the message. */
    public boolean bounce(String id) throws IOException {
        StoredMessage m = find(id);
        if (m == null) {
            return false;
        }
        if (notices == null) {
            throw new IOException("no server is running: start the server to bounce " + id
                    + " (the failure notice to its sender is written by the server)");
        }
        DeliveryState state = m.state();
        for (int i : state.pending()) {
            state = state.withRecipient(i, new RecipientState(RecipientState.Outcome.FAILED,
                    dev.mailroom.smtp.SmtpReply.of(550, "5.0.0", "Returned to sender by the postmaster"), null,
                    clock.instant()));
        }
        notices.failed(m, state); // first: a crash in between leaves the message, never a lost notice
        spool.remove(id);
        return true;
    }

    private StoredMessage find(String id) throws IOException {
        try {
            return spool.read(id);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
