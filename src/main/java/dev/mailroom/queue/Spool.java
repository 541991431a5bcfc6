package dev.mailroom.queue;

import dev.mailroom.envelope.Envelope;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/**
 * Durable storage of queued messages. A message exists for the rest of Mailroom only once
 * {@link SpoolWriter#commit()} has returned: by then it is on stable storage, and the client may be
 * told 250 (RFC 5321 section 4.2.5, SMTP-30).
 *
 * <p>One file implementation now; the PostgreSQL one for clusters implements the same interface.
 */
public interface Spool {

    /** Starts a new message for this envelope; nothing is visible until commit. */
    SpoolWriter create(Envelope envelope, String authenticatedUser) throws IOException;

    /** Ids of all committed messages, oldest first. */
    List<String> list() throws IOException;

    /**
     * Committed messages due before {@code horizon}, at most {@code limit}, skipping those {@code skip} accepts,
     * in no particular order. Lets the scheduler keep only the work of the near future in memory while the
     * rest of a large backlog waits on disk.
     */
    List<Due> due(Instant horizon, int limit, Predicate<String> skip) throws IOException;

    /** Moves a message's next attempt to {@code when} without rewriting its state (an operator's flush). */
    void makeDue(String id, Instant when) throws IOException;

    /**
     * How many committed messages, apart from those {@code skip} accepts (the scheduler's memory), are held by
     * the operator and how many wait for a later attempt: for the metrics, counted now.
     */
    Backlog backlog(Predicate<String> skip) throws IOException;

    /** @param deferred waiting on disk for their next attempt (or for room in the scheduler's memory) */
    record Backlog(int deferred, int held) {
    }

    /** A queued message and when its next attempt is due. */
    record Due(String id, Instant when) {
    }

    /** A committed message with its delivery state. */
    StoredMessage read(String id) throws IOException;

    /** Replaces the delivery state of a message durably. */
    void saveState(String id, DeliveryState state) throws IOException;

    /** Removes a message for good (delivered, or failed for good). */
    void remove(String id) throws IOException;
}
