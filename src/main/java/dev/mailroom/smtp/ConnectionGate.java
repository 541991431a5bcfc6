package dev.mailroom.smtp;

import dev.mailroom.rate.SlidingWindow;
import java.net.InetAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * One listener's connection limits (RFC 5321 section 4.5.4.2, SMTP-40): open connections in total and per client
 * address, and new connections per client address per minute. Every attempt counts towards the rate, refused
 * ones too, so a client that keeps hammering stays refused until it slows down. Clients in the exempt networks
 * count only towards the total.
 */
public final class ConnectionGate {
    /** Why a connection is refused; {@link #ADMITTED} when it is not. */
    public enum Admission { ADMITTED, TOO_MANY_CONNECTIONS, TOO_MANY_FROM_CLIENT, TOO_FAST_FROM_CLIENT }

    /** The rate is counted in 5-second buckets over the last minute: cheap per address, no edge burst. */
    private static final Duration RATE_BUCKET = Duration.ofSeconds(5);
    private static final int RATE_BUCKETS = 12;
    /**
     * Addresses whose rate is tracked at once (a few hundred octets each). Beyond (an attack from very many
     * addresses) new addresses are not rate-limited until a sweep makes room; the other limits still hold.
     */
    static final int MAX_TRACKED_CLIENTS = 50_000;

    private final SmtpListener.Limits limits;
    private final LongSupplier clock;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final Map<InetAddress, SlidingWindow> rates = new ConcurrentHashMap<>();
    private final Map<Admission, LongAdder> verdicts = new EnumMap<>(Admission.class);

    ConnectionGate(SmtpListener.Limits limits, LongSupplier clockMillis) {
        this.limits = limits;
        this.clock = clockMillis;
        for (Admission a : Admission.values()) {
            verdicts.put(a, new LongAdder());
        }
    }

    /** Counts the connection in (every connection is later {@linkplain #release released}) and judges it. */
    Admission admit(InetAddress client) {
        int total = open.incrementAndGet();
        boolean exempt = limits.exempt().test(client);
        int mine = exempt ? 0 : perClient.computeIfAbsent(client, k -> new AtomicInteger()).incrementAndGet();
        long recent = exempt ? 0 : countAttempt(client);
        Admission verdict;
        if (total > limits.maxConnections()) {
            verdict = Admission.TOO_MANY_CONNECTIONS;
        } else if (mine > limits.maxConnectionsPerClient()) {
            verdict = Admission.TOO_MANY_FROM_CLIENT;
        } else if (limits.maxConnectionRatePerClient() > 0 && recent > limits.maxConnectionRatePerClient()) {
            verdict = Admission.TOO_FAST_FROM_CLIENT;
        } else {
            verdict = Admission.ADMITTED;
        }
        verdicts.get(verdict).increment();
        return verdict;
    }

    /** The connection has ended. */
    void release(InetAddress client) {
        open.decrementAndGet();
        if (!limits.exempt().test(client)) {
            perClient.computeIfPresent(client, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
        }
    }

    /** How many connections got this verdict so far (ADMITTED: how many were let in), for the metrics. */
    public long count(Admission verdict) {
        return verdicts.get(verdict).sum();
    }

    /** How many client addresses the rate table holds now. */
    int trackedClients() {
        return rates.size();
    }

    /** Forgets the addresses that made no connection within the last minute. */
    void sweep() {
        long now = clock.getAsLong();
        for (InetAddress client : rates.keySet()) {
            rates.computeIfPresent(client, (k, w) -> w.isEmpty(now) ? null : w);
        }
    }

    /** Notes the attempt; returns the attempts of the last minute, this one included. */
    private long countAttempt(InetAddress client) {
        if (limits.maxConnectionRatePerClient() <= 0) {
            return 0;
        }
        long now = clock.getAsLong();
        long[] recent = new long[1];
        if (rates.size() >= MAX_TRACKED_CLIENTS && !rates.containsKey(client)) {
            return 0; // the listener's watchdog sweeps the table (sweeping here would cost a pass per connection)
        }
        rates.compute(client, (k, w) -> {
            SlidingWindow window = w != null ? w : new SlidingWindow(RATE_BUCKET, RATE_BUCKETS);
            window.add(now, 1);
            recent[0] = window.sum(now, RATE_BUCKETS);
            return window;
        });
        return recent[0];
    }
}
