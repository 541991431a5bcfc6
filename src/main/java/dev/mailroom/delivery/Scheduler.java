package dev.mailroom.delivery;

import dev.mailroom.log.EventLog;
import dev.mailroom.queue.DeliveryState;
import dev.mailroom.queue.RecipientState;
import dev.mailroom.queue.RecipientState.Outcome;
import dev.mailroom.queue.Spool;
import dev.mailroom.queue.StoredMessage;
import dev.mailroom.smtp.SmtpReply;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The queue manager (Postfix's qmgr): due messages are delivered by a fixed number of workers; each pending
 * recipient is routed ({@link Router}), recipients with the same destination go together to the agent, and
 * what each attempt did is kept per recipient in the spool. Temporary failures come back after an exponential
 * back-off; permanent ones, and recipients still pending when the queue lifetime ends, are final. On start
 * every message in the spool is picked up.
 */
public final class Scheduler implements Closeable {
    private final Spool spool;
    private final RelaySettings settings;
    private final Router router;
    private final SmtpDelivery delivery;
    private final DeliveryAgent local;
    private final Notifier notifier;
    private final Backoff backoff;
    private final Clock clock;
    private final DelayQueue<Due> due = new DelayQueue<>();
    /** The time each queued id is due; a Due in the queue with another time is stale and skipped. */
    private final Map<String, Instant> scheduled = new ConcurrentHashMap<>();
    /** One attempt or operator action per message at a time (a worker delivering while `queue hold` runs). */
    private final ReentrantLock[] busy = new ReentrantLock[256];
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param local    the agent for {@link Destination.Local}, or null when local domains are relayed like others
     * @param notifier told of every change of a message's state (delivery status notifications)
     */
    public Scheduler(Spool spool, RelaySettings settings, Router router, SmtpDelivery delivery, DeliveryAgent local,
                     Notifier notifier, Clock clock) {
        this.spool = spool;
        this.settings = settings;
        this.router = router;
        this.delivery = delivery;
        this.local = local;
        this.notifier = notifier;
        for (int i = 0; i < busy.length; i++) {
            busy[i] = new ReentrantLock();
        }
        this.backoff = new Backoff(settings.retryInitial(), settings.retryMax());
        this.clock = clock;
        for (int i = 0; i < settings.concurrency(); i++) {
            workers.add(Thread.ofVirtual().name("delivery-" + i).unstarted(this::work));
        }
    }

    /** Schedules what the spool already holds (after a restart), then starts the workers. */
    public void start() throws IOException {
        for (String id : spool.list()) {
            try {
                schedule(id, spool.read(id).state().nextAttempt());
            } catch (IOException e) {
                EventLog.warn("queue-damaged", "queue", id, "error", e.getMessage());
            }
        }
        workers.forEach(Thread::start);
    }

    /** A freshly committed message: deliver now. */
    public void submitted(String id) {
        schedule(id, clock.instant());
    }

    private void schedule(String id, Instant when) {
        boolean[] earlier = {false};
        scheduled.compute(id, (k, old) -> {
            if (old == null || when.isBefore(old)) {
                earlier[0] = true;
                return when;
            }
            return old;
        });
        if (earlier[0]) {
            due.add(new Due(id, when));
        }
    }

    // ---- operator actions (mailroom queue ...), also used while deliveries run ----

    /** Delivers this message now, whatever its back-off says. False if it is not in the queue. */
    public boolean flush(String id) throws IOException {
        if (!spool.list().contains(id)) {
            return false;
        }
        schedule(id, clock.instant());
        return true;
    }

    /** Delivers every queued message now (except held ones). */
    public int flushAll() throws IOException {
        List<String> ids = spool.list();
        Instant now = clock.instant();
        ids.forEach(id -> schedule(id, now));
        return ids.size();
    }

    /** Keeps the message from being delivered until {@link #release}. */
    public boolean hold(String id) throws IOException {
        return withMessage(id, m -> {
            spool.saveState(id, m.state().withHeld(true));
            EventLog.info("held", "queue", id);
        });
    }

    public boolean release(String id) throws IOException {
        return withMessage(id, m -> {
            spool.saveState(id, m.state().withHeld(false).withAttempt(m.state().attempts(), clock.instant()));
            EventLog.info("released", "queue", id);
            schedule(id, clock.instant());
        });
    }

    /** Removes the message without any notice to its sender. */
    public boolean delete(String id) throws IOException {
        return withMessage(id, m -> {
            spool.remove(id);
            EventLog.warn("deleted", "queue", id, "from", m.envelope().reversePathText());
        });
    }

    /** Fails every pending recipient now and returns the message to its sender (a bounce), then removes it. */
    public boolean bounce(String id) throws IOException {
        return withMessage(id, m -> {
            DeliveryState state = m.state();
            Instant now = clock.instant();
            for (int i : state.pending()) {
                state = state.withRecipient(i, new RecipientState(Outcome.FAILED,
                        SmtpReply.of(550, "5.0.0", "Returned to sender by the postmaster"), null, now));
            }
            notifier.changed(m, m.state(), state);
            spool.remove(id);
            EventLog.warn("bounced", "queue", id, "from", m.envelope().reversePathText());
        });
    }

    private interface Action {
        void run(StoredMessage message) throws IOException;
    }

    private boolean withMessage(String id, Action action) throws IOException {
        ReentrantLock lock = busy[Math.floorMod(id.hashCode(), busy.length)];
        lock.lock();
        try {
            StoredMessage m;
            try {
                m = spool.read(id);
            } catch (java.nio.file.NoSuchFileException e) {
                return false;
            }
            action.run(m);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        while (!closed) {
            Due next;
            try {
                next = due.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (next == null) {
                delivery.closeIdle();
                continue;
            }
            if (!scheduled.remove(next.id, next.when)) {
                continue; // rescheduled meanwhile (a flush): the other entry counts
            }
            try {
                withMessage(next.id, this::attempt);
            } catch (IOException | RuntimeException e) {
                EventLog.warn("delivery-error", "queue", next.id, "error", e.toString());
                schedule(next.id, clock.instant().plus(backoff.initial()));
            }
        }
    }

    private void attempt(StoredMessage message) throws IOException {
        String id = message.id();
        DeliveryState before = message.state();
        DeliveryState state = before;
        if (state.held()) {
            return; // the operator's release schedules it again
        }
        Map<Destination, List<Integer>> byDestination = new LinkedHashMap<>();
        for (int i : state.pending()) {
            byDestination.computeIfAbsent(router.route(message.envelope().recipients().get(i).mailbox()),
                    d -> new ArrayList<>()).add(i);
        }
        for (var e : byDestination.entrySet()) {
            DeliveryAgent agent = e.getKey() instanceof Destination.Local ? local : delivery;
            Map<Integer, Attempt> attempts = agent.deliver(message, e.getValue(), e.getKey());
            Instant now = clock.instant();
            for (int i : e.getValue()) {
                Attempt a = attempts.get(i);
                if (a == null) {
                    continue; // the agent did not get to it: still pending, unchanged
                }
                log(id, message.envelope().recipients().get(i).mailbox().address(), e.getKey(), a);
                state = state.withRecipient(i, new RecipientState(a.outcome(), a.reply(), a.remoteMta(), now));
            }
        }
        Instant now = clock.instant();
        state = expireIfTooOld(id, message, state, now);
        int attempts = state.attempts() + 1;
        state = state.withAttempt(attempts, now.plus(backoff.after(attempts)));
        // Notices first: if we crash before the state is saved, the attempt is repeated (a duplicate notice
        // at worst), never a lost one.
        state = notifier.changed(message, before, state);
        if (state.finished()) {
            spool.remove(id);
            return;
        }
        spool.saveState(id, state);
        schedule(id, state.nextAttempt());
    }

    private static void log(String id, String rcpt, Destination d, Attempt a) {
        String event = switch (a.outcome()) {
            case DELIVERED -> "delivered";
            case RELAYED -> "relayed";
            case FAILED -> "delivery-failed";
            case PENDING -> "deferred";
        };
        if (a.outcome() == Outcome.FAILED) {
            EventLog.warn(event, "queue", id, "to", rcpt, "via", d.key(), "host", a.remoteMta(), "reply", a.reply());
        } else {
            EventLog.info(event, "queue", id, "to", rcpt, "via", d.key(), "host", a.remoteMta(), "reply", a.reply());
        }
    }

    /**
     * RFC 5321 section 4.5.4.1: a message that could not be delivered within the queue lifetime fails for good,
     * with the last transient reply as its diagnostic (RFC 3463 X.4.7: delivery time expired).
     */
    private DeliveryState expireIfTooOld(String id, StoredMessage message, DeliveryState state, Instant now) {
        if (state.finished() || !now.isAfter(message.created().plus(settings.lifetime()))) {
            return state;
        }
        for (int i : state.pending()) {
            RecipientState r = state.recipients().get(i);
            String last = r.reply() == null ? "never attempted" : r.reply().toString();
            SmtpReply expired = SmtpReply.of(554, "5.4.7", "Delivery time expired after "
                    + settings.lifetime().toHours() + " hours; last error: " + last);
            state = state.withRecipient(i, new RecipientState(Outcome.FAILED, expired, r.remoteMta(), now));
            EventLog.warn("expired", "queue", id, "to", message.envelope().recipients().get(i).mailbox().address(),
                    "last", last);
        }
        return state;
    }

    @Override
    public void close() {
        closed = true;
        workers.forEach(Thread::interrupt);
        delivery.close();
    }

    private record Due(String id, Instant when) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(Instant.now(), when));
        }

        @Override
        public int compareTo(Delayed o) {
            return when.compareTo(((Due) o).when);
        }
    }
}
