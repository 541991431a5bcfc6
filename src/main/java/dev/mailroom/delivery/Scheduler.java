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
    private final int activeLimit;
    private final int destinationConcurrency;
    /** Deliveries in progress per destination (Postfix's destination concurrency limit). */
    private final Map<String, java.util.concurrent.Semaphore> perDestination = new ConcurrentHashMap<>();
    private final Duration scanInterval;
    private final Thread scanner;
    private volatile boolean closed;
    private volatile DeliveryObserver observer = DeliveryObserver.NONE;

    /**
     * @param local    the agent for {@link Destination.Local}, or null when local domains are relayed like others
     * @param notifier told of every change of a message's state (delivery status notifications)
     */
    /**
     * How much of the queue lives in memory: at most {@code activeLimit} messages, and only those due within
     * the next {@code scanInterval}; the rest waits on disk and a scan of the spool every {@code scanInterval}
     * brings it in when it is due (Postfix's active queue and its deferred-queue scans). A backlog of a million
     * deferred messages then costs no heap, and a fresh message is never behind deferred ones.
     */
    public record Limits(int activeLimit, Duration scanInterval, int destinationConcurrency) {
        public static final Limits DEFAULT = new Limits(10_000, Duration.ofSeconds(60), 20);
    }

    public Scheduler(Spool spool, RelaySettings settings, Router router, SmtpDelivery delivery, DeliveryAgent local,
                     Notifier notifier, Clock clock) {
        this(spool, settings, router, delivery, local, notifier, clock, Limits.DEFAULT);
    }

    public Scheduler(Spool spool, RelaySettings settings, Router router, SmtpDelivery delivery, DeliveryAgent local,
                     Notifier notifier, Clock clock, Limits limits) {
        this.spool = spool;
        this.settings = settings;
        this.router = router;
        this.delivery = delivery;
        this.local = local;
        this.notifier = notifier;
        for (int i = 0; i < busy.length; i++) {
            busy[i] = new ReentrantLock();
        }
        this.activeLimit = limits.activeLimit();
        this.destinationConcurrency = limits.destinationConcurrency();
        this.scanInterval = limits.scanInterval();
        this.scanner = Thread.ofVirtual().name("queue-scan").unstarted(this::scanLoop);
        this.backoff = new Backoff(settings.retryInitial(), settings.retryMax());
        this.clock = clock;
        for (int i = 0; i < settings.concurrency(); i++) {
            workers.add(Thread.ofVirtual().name("delivery-" + i).unstarted(this::work));
        }
    }

    /** Starts the workers and the scans of the spool (the first one right away picks up what a restart left). */
    public void start() {
        workers.forEach(Thread::start);
        scanner.start();
    }

    /** Reports every recipient's attempt to {@code observer} from now on (the metrics). */
    public void observe(DeliveryObserver observer) {
        this.observer = observer;
    }

    /** How many messages are in memory now (due soon or being delivered); at most the active limit. */
    public int active() {
        return scheduled.size();
    }

    /** The messages on disk only, deferred to a later attempt or held, counted now (the metrics). */
    public Spool.Backlog backlog() throws IOException {
        return spool.backlog(scheduled::containsKey);
    }

    /** A freshly committed message: deliver now (or at the next scan, when the active set is full). */
    public void submitted(String id) {
        schedule(id, clock.instant(), false);
    }

    private void scanLoop() {
        while (!closed) {
            try {
                scan();
            } catch (IOException | RuntimeException e) {
                EventLog.warn("queue-scan-error", "error", e.toString());
            }
            try {
                Thread.sleep(scanInterval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Brings into memory what is due before the next scan, as far as the active set has room. */
    private void scan() throws IOException {
        int room = activeLimit - scheduled.size();
        if (room <= 0) {
            return;
        }
        for (Spool.Due d : spool.due(clock.instant().plus(scanInterval), room, scheduled::containsKey)) {
            schedule(d.id(), d.when(), true);
        }
    }

    /**
     * Keeps the message in memory when it is due before the next scan and the active set has room (or when
     * {@code force}d, for what a scan or an operator brings); otherwise the next scan finds it on disk.
     */
    private void schedule(String id, Instant when, boolean force) {
        if (!force && (scheduled.size() >= activeLimit || when.isAfter(clock.instant().plus(scanInterval)))) {
            return;
        }
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
        delivery.resume();
        return withMessage(id, m -> {
            if (!m.state().held()) {
                spool.makeDue(id, clock.instant());
                schedule(id, clock.instant(), true);
            }
        });
    }

    /** Makes every queued message due now (except held ones); the scan brings them in as room allows. */
    public int flushAll() throws IOException {
        delivery.resume();
        int n = 0;
        for (String id : spool.list()) {
            boolean due = withMessage(id, m -> {
                if (!m.state().held()) {
                    spool.makeDue(id, clock.instant());
                }
            });
            n += due ? 1 : 0;
        }
        scan();
        return n;
    }

    /** Keeps the message from being delivered until {@link #release}. */
    public boolean hold(String id) throws IOException {
        return withMessage(id, m -> {
            spool.saveState(id, m.state().withHeld(true));
            // Out of memory at once (its Due, now stale, is skipped): the active set counts what may be delivered.
            scheduled.remove(id);
            EventLog.info("held", "queue", id);
        });
    }

    public boolean release(String id) throws IOException {
        delivery.resume();
        return withMessage(id, m -> {
            spool.saveState(id, m.state().withHeld(false).withAttempt(m.state().attempts(), clock.instant()));
            EventLog.info("released", "queue", id);
            schedule(id, clock.instant(), true);
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
            // Every line of the attempt carries queue=ID, also those logged deeper (the SMTP client, LMTP,
            // DANE, MTA-STS, TLS-RPT, the notices), so one grep follows the message from DATA to delivery.
            EventLog.queue(next.id);
            try {
                withMessage(next.id, this::attempt);
            } catch (IOException | RuntimeException e) {
                EventLog.warn("delivery-error", "error", e.toString());
                schedule(next.id, clock.instant().plus(backoff.initial()), false);
            } finally {
                EventLog.endQueue();
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
        boolean destinationBusy = false;
        for (var e : byDestination.entrySet()) {
            DeliveryAgent agent = e.getKey() instanceof Destination.Local ? local : delivery;
            java.util.concurrent.Semaphore slots = perDestination.computeIfAbsent(e.getKey().key(),
                    k -> new java.util.concurrent.Semaphore(destinationConcurrency));
            if (!slots.tryAcquire()) {
                destinationBusy = true; // enough deliveries to that place already: try again in a moment
                continue;
            }
            Map<Integer, Attempt> attempts;
            try {
                attempts = agent.deliver(message, e.getValue(), e.getKey());
            } finally {
                slots.release();
            }
            Instant now = clock.instant();
            for (int i : e.getValue()) {
                Attempt a = attempts.get(i);
                if (a == null) {
                    continue; // the agent did not get to it: still pending, unchanged
                }
                log(message.envelope().recipients().get(i).mailbox().address(), e.getKey(), a);
                observer.attempted(e.getKey(), a.outcome());
                state = state.withRecipient(i, new RecipientState(a.outcome(), a.reply(), a.remoteMta(), now));
            }
        }
        Instant now = clock.instant();
        state = expireIfTooOld(message, state, now);
        int attempts = state.attempts() + 1;
        // ±10 % jitter: messages deferred together (a destination down) do not all come back in the same second.
        Duration wait = backoff.after(attempts);
        Instant next = now.plus(wait).plusMillis((long) ((java.util.concurrent.ThreadLocalRandom.current()
                .nextDouble() - 0.5) * 0.2 * wait.toMillis()));
        if (destinationBusy && next.isAfter(now.plusSeconds(1))) {
            next = now.plusSeconds(1);
        }
        state = state.withAttempt(attempts, next);
        // Notices first: if we crash before the state is saved, the attempt is repeated (a duplicate notice
        // at worst), never a lost one.
        state = notifier.changed(message, before, state);
        if (state.finished()) {
            spool.remove(id);
            return;
        }
        spool.saveState(id, state);
        schedule(id, state.nextAttempt(), false);
    }

    private static void log(String rcpt, Destination d, Attempt a) {
        String event = switch (a.outcome()) {
            case DELIVERED -> "delivered";
            case RELAYED, RELAYED_WITHOUT_DSN -> "relayed";
            case FAILED -> "delivery-failed";
            case PENDING -> "deferred";
        };
        if (a.outcome() == Outcome.FAILED) {
            EventLog.warn(event, "to", rcpt, "via", d.key(), "host", a.remoteMta(), "reply", a.reply());
        } else {
            EventLog.info(event, "to", rcpt, "via", d.key(), "host", a.remoteMta(), "reply", a.reply());
        }
    }

    /**
     * RFC 5321 section 4.5.4.1: a message that could not be delivered within the queue lifetime fails for good,
     * with the last transient reply as its diagnostic (RFC 3463 X.4.7: delivery time expired).
     */
    private DeliveryState expireIfTooOld(StoredMessage message, DeliveryState state, Instant now) {
        if (state.finished() || !now.isAfter(message.created().plus(settings.lifetime()))) {
            return state;
        }
        for (int i : state.pending()) {
            RecipientState r = state.recipients().get(i);
            String last = r.reply() == null ? "never attempted" : r.reply().toString();
            SmtpReply expired = SmtpReply.of(554, expiredStatus(r.reply()), "Delivery time expired after "
                    + settings.lifetime().toHours() + " hours; last error: " + last);
            state = state.withRecipient(i, new RecipientState(Outcome.FAILED, expired, r.remoteMta(), now));
            EventLog.warn("expired", "to", message.envelope().recipients().get(i).mailbox().address(),
                    "last", last);
        }
        return state;
    }

    /**
     * X.4.7 "delivery time expired", except when the last deferral was a security one (4.7.x): then its detail
     * stays, made permanent, because that is what the sender must act on; an MTA-STS failure ends as 5.7.5
     * (RFC 8461 section 5; the policy was looked up again at that last attempt).
     */
    private static String expiredStatus(SmtpReply last) {
        if (last != null && last.enhanced() != null && last.enhanced().startsWith("4.7.")) {
            return "5" + last.enhanced().substring(1);
        }
        return "5.4.7";
    }

    @Override
    public void close() {
        closed = true;
        workers.forEach(Thread::interrupt);
        scanner.interrupt();
        // Wait for the attempts under way to record their outcome: the server releases the spool's lock after
        // this, and a worker still writing a state file then would race the next owner of the spool.
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        try {
            for (Thread t : workers) {
                t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
            scanner.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delivery.close();
    }

    /** An interrupted attempt ends at its next blocking call; this bounds a delivery agent that does not. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

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
