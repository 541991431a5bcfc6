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

    public OfflineQueue(Spool spool, Clock clock) {
        this.spool = spool;
        this.clock = clock;
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

    public boolean bounce(String id) throws IOException {
        if (find(id) == null) {
            return false;
        }
        throw new IOException("no server is running: start the server to bounce " + id
                + " (the failure notice to its sender is written by the server)");
    }

    private StoredMessage find(String id) throws IOException {
        try {
            return spool.read(id);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
