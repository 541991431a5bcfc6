package dev.mailroom.relay;

import dev.mailroom.log.EventLog;
import dev.mailroom.queue.DeliveryState;
import dev.mailroom.queue.Spool;
import dev.mailroom.queue.StoredMessage;
import dev.mailroom.smtp.SmtpReply;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
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
    private final SmarthostDelivery delivery;
    private final Backoff backoff;
    private final Clock clock;
    private final DelayQueue<Due> due = new DelayQueue<>();
    private final Set<String> scheduled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    public RelayQueue(Spool spool, RelaySettings settings, Clock clock) {
        this.spool = spool;
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
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < message.envelope().recipients().size(); i++) {
            if (!state.done().contains(i)) {
                pending.add(i);
            }
        }
        DeliveryOutcome outcome = pending.isEmpty() ? new DeliveryOutcome(Map.of(), null) : delivery.deliver(connection, message, pending);
        Set<Integer> done = new HashSet<>(state.done());
        String lastError = outcome.sessionError();
        for (var e : outcome.replies().entrySet()) {
            SmtpReply reply = e.getValue();
            String rcpt = message.envelope().recipients().get(e.getKey()).mailbox().address();
            if (reply.isPositive()) {
                done.add(e.getKey());
                EventLog.info("relayed", "queue", id, "to", rcpt, "reply", reply);
            } else if (reply.isPermanent()) {
                done.add(e.getKey());
                EventLog.warn("relay-failed", "queue", id, "to", rcpt, "reply", reply);
            } else {
                lastError = reply.toString();
                EventLog.info("relay-deferred", "queue", id, "to", rcpt, "reply", reply);
            }
        }
        if (outcome.sessionError() != null) {
            EventLog.info("relay-deferred", "queue", id, "reason", outcome.sessionError());
        }
        if (done.size() == message.envelope().recipients().size()) {
            spool.remove(id);
            return;
        }
        int attempts = state.attempts() + 1;
        Instant next = clock.instant().plus(backoff.after(attempts));
        spool.saveState(id, new DeliveryState(attempts, next, done, lastError));
        schedule(id, next);
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
