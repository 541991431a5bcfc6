package dev.mailroom.relay;

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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler between the spool and the smarthost: due messages are delivered by a fixed number of
 * workers; temporary failures come back after an exponential back-off; 5xx failures are final (the
 * bounce to the sender comes with the transfer role). On start every message in the spool is picked up.
 */
public final class RelayQueue implements Closeable {
    private final Spool spool;
    private final RelaySettings settings;
    private final SmarthostDelivery delivery;
    private final Backoff backoff;
    private final Clock clock;
    private final DelayQueue<Due> due = new DelayQueue<>();
    private final Set<String> scheduled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    public RelayQueue(Spool spool, RelaySettings settings, Clock clock) {
        this.spool = spool;
        this.settings = settings;
        this.delivery = new SmarthostDelivery(settings);
        this.backoff = new Backoff(settings.retryInitial(), settings.retryMax());
        this.clock = clock;
        for (int i = 0; i < settings.concurrency(); i++) {
            workers.add(Thread.ofVirtual().name("relay-" + i).unstarted(this::work));
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
        if (scheduled.add(id)) {
            due.add(new Due(id, when));
        }
    }

    /** Smarthost connections idle longer than this are closed (smtp servers time out idle clients). */
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private void work() {
        try (SmarthostDelivery.Connection connection = delivery.newConnection()) {
            while (!closed) {
                Due next;
                try {
                    next = due.poll(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                connection.closeIfIdle(IDLE_NANOS);
                if (next == null) {
                    continue;
                }
                scheduled.remove(next.id);
                try {
                    attempt(connection, next.id);
                } catch (IOException | RuntimeException e) {
                    EventLog.warn("relay-error", "queue", next.id, "error", e.toString());
                    schedule(next.id, clock.instant().plus(backoff.initial()));
                }
            }
        }
    }

    private void attempt(SmarthostDelivery.Connection connection, String id) throws IOException {
        StoredMessage message = spool.read(id);
        DeliveryState state = message.state();
        if (state.held()) {
            return; // the operator's release schedules it again
        }
        List<Integer> pending = state.pending();
        DeliveryOutcome outcome = pending.isEmpty() ? new DeliveryOutcome(Map.of(), null)
                : delivery.deliver(connection, message, pending);
        Instant now = clock.instant();
        SmtpReply unreached = outcome.sessionError() == null ? null
                : SmtpReply.of(451, "4.4.1", "Not delivered: " + outcome.sessionError());
        for (int i : pending) {
            SmtpReply reply = outcome.replies().getOrDefault(i, unreached);
            if (reply == null) {
                continue; // not tried in this attempt
            }
            String rcpt = message.envelope().recipients().get(i).mailbox().address();
            Outcome result;
            if (reply.isPositive()) {
                result = Outcome.RELAYED;
                EventLog.info("relayed", "queue", id, "to", rcpt, "reply", reply);
            } else if (reply.isPermanent()) {
                result = Outcome.FAILED;
                EventLog.warn("relay-failed", "queue", id, "to", rcpt, "reply", reply);
            } else {
                result = Outcome.PENDING;
                EventLog.info("relay-deferred", "queue", id, "to", rcpt, "reply", reply);
            }
            state = state.withRecipient(i, new RecipientState(result, reply, outcome.replies().containsKey(i)
                    ? settings.host() : null, now));
        }
        state = expireIfTooOld(id, message, state, now);
        if (state.finished()) {
            spool.remove(id);
            return;
        }
        int attempts = state.attempts() + 1;
        Instant next = now.plus(backoff.after(attempts));
        spool.saveState(id, state.withAttempt(attempts, next));
        schedule(id, next);
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
