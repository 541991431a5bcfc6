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
import java.util.Set;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

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
    private final Backoff backoff;
    private final Clock clock;
    private final DelayQueue<Due> due = new DelayQueue<>();
    private final Set<String> scheduled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    public Scheduler(Spool spool, RelaySettings settings, Router router, SmtpDelivery delivery, Clock clock) {
        this.spool = spool;
        this.settings = settings;
        this.router = router;
        this.delivery = delivery;
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
        if (scheduled.add(id)) {
            due.add(new Due(id, when));
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
            scheduled.remove(next.id);
            try {
                attempt(next.id);
            } catch (IOException | RuntimeException e) {
                EventLog.warn("delivery-error", "queue", next.id, "error", e.toString());
                schedule(next.id, clock.instant().plus(backoff.initial()));
            }
        }
    }

    private void attempt(String id) throws IOException {
        StoredMessage message;
        try {
            message = spool.read(id);
        } catch (java.nio.file.NoSuchFileException e) {
            return; // deleted meanwhile (by the operator)
        }
        DeliveryState state = message.state();
        if (state.held()) {
            return; // the operator's release schedules it again
        }
        Map<Destination, List<Integer>> byDestination = new LinkedHashMap<>();
        for (int i : state.pending()) {
            byDestination.computeIfAbsent(router.route(message.envelope().recipients().get(i).mailbox()),
                    d -> new ArrayList<>()).add(i);
        }
        for (var e : byDestination.entrySet()) {
            Map<Integer, Attempt> attempts = delivery.deliver(message, e.getValue(), e.getKey());
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
        if (state.finished()) {
            spool.remove(id);
            return;
        }
        int attempts = state.attempts() + 1;
        Instant next = now.plus(backoff.after(attempts));
        spool.saveState(id, state.withAttempt(attempts, next));
        schedule(id, next);
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
