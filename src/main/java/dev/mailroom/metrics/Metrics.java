package dev.mailroom.metrics;

import dev.mailroom.delivery.DeliveryObserver;
import dev.mailroom.delivery.Destination;
import dev.mailroom.queue.RecipientState.Outcome;
import dev.mailroom.queue.Spool;
import dev.mailroom.quota.QuotaKind;
import dev.mailroom.quota.QuotaMetrics;
import dev.mailroom.smtp.ConnectionGate;
import dev.mailroom.smtp.SessionObserver;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The process's metrics: the one place that knows the metrics library. The protocol engine reports through
 * {@link SessionObserver}; counts other parts already keep (connection verdicts, live sessions, the active
 * queue, quota refusals) are read at scrape time, so those hot paths pay nothing extra.
 */
public final class Metrics implements SessionObserver, DeliveryObserver {
    /** Message sizes in octets: 1 KiB to 64 MiB, by powers of four. */
    private static final double[] SIZE_BOUNDS = {1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22,
            1 << 24, 1 << 26};

    /** fdatasync latency in seconds: 100 µs (a battery-backed cache) to 1 s (a struggling disk). */
    private static final double[] SYNC_BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
            0.1, 0.25, 0.5, 1};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Map<String, ConnectionGate> gates = new ConcurrentHashMap<>();
    private final Map<String, IntSupplier> sessions = new ConcurrentHashMap<>();
    private volatile IntSupplier activeQueue = () -> 0;
    private volatile Callable<Spool.Backlog> backlog = () -> new Spool.Backlog(0, 0);
    private volatile QuotaMetrics quota = new QuotaMetrics();

    private final Counter accepted = Counter.builder().name("mailroom_messages_accepted")
            .help("Messages accepted (2xx at the end of DATA or BDAT LAST)").labelNames("listener").register(registry);
    private final Counter rejections = Counter.builder().name("mailroom_smtp_rejections")
            .help("MAIL, RCPT, DATA and BDAT commands refused, by reply code").labelNames("listener", "command", "code")
            .register(registry);
    private final Counter auth = Counter.builder().name("mailroom_auth")
            .help("AUTH exchanges by SASL mechanism and result").labelNames("listener", "mechanism", "result")
            .register(registry);
    private final Counter tls = Counter.builder().name("mailroom_tls_sessions")
            .help("TLS handshakes completed by SMTP sessions, by protocol version").labelNames("listener", "version")
            .register(registry);
    private final Histogram sizes = Histogram.builder().name("mailroom_message_size_bytes")
            .help("Sizes of the accepted messages in octets").labelNames("listener").classicOnly()
            .classicUpperBounds(SIZE_BOUNDS).register(registry);

    private final Histogram syncs = Histogram.builder().name("mailroom_spool_fsync_seconds")
            .help("Time to sync a message's spool file at commit").classicOnly().classicUpperBounds(SYNC_BOUNDS)
            .register(registry);
    private final Counter deliveries = Counter.builder().name("mailroom_delivery_attempts")
            .help("Delivery attempts per recipient, by destination class and result").labelNames("destination", "result")
            .register(registry);

    public Metrics() {
        CounterWithCallback.builder().name("mailroom_connections")
                .help("Connections to the SMTP listeners: admitted, or refused by which limit").labelNames("listener", "verdict")
                .callback(cb -> gates.forEach((listener, gate) -> {
                    for (ConnectionGate.Admission a : ConnectionGate.Admission.values()) {
                        cb.call(gate.count(a), listener, a.name().toLowerCase(Locale.ROOT));
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("mailroom_sessions_active").help("SMTP sessions open now")
                .labelNames("listener")
                .callback(cb -> sessions.forEach((listener, live) -> cb.call(live.getAsInt(), listener)))
                .register(registry);
        GaugeWithCallback.builder().name("mailroom_queue_messages")
                .help("Queued messages: active (in the scheduler's memory: due soon or being delivered), deferred "
                        + "(on disk until a later attempt), held (by the operator)").labelNames("state")
                .callback(cb -> {
                    cb.call(activeQueue.getAsInt(), "active");
                    Spool.Backlog b;
                    try {
                        b = backlog.call();
                    } catch (Exception e) {
                        return; // the spool cannot be listed now: /ready says so; the other metrics still count
                    }
                    cb.call(b.deferred(), "deferred");
                    cb.call(b.held(), "held");
                }).register(registry);
        CounterWithCallback.builder().name("mailroom_quota_refusals")
                .help("Commands refused by an account's sending quota, by limit").labelNames("kind")
                .callback(cb -> {
                    for (QuotaKind kind : QuotaKind.values()) {
                        cb.call(quota.count(kind), kind.key());
                    }
                }).register(registry);
    }

    /** Exports a listener's connection verdicts and open sessions. */
    public void listener(String name, ConnectionGate gate, IntSupplier activeSessions) {
        gates.put(name, gate);
        sessions.put(name, activeSessions);
    }

    /**
     * Exports the queue's size by state: {@code active} read from memory, the {@code backlog} on disk counted
     * at each scrape (a listing and a stat per message; scrapes are rare).
     */
    public void queue(IntSupplier active, Callable<Spool.Backlog> backlog) {
        this.activeQueue = active;
        this.backlog = backlog;
    }

    /** Exports the sending quotas' refusals. */
    public void quota(QuotaMetrics refusals) {
        this.quota = refusals;
    }

    @Override
    public void tlsEstablished(String listener, String protocol) {
        tls.labelValues(listener, protocol).inc();
    }

    @Override
    public void authenticated(String listener, String mechanism, boolean success) {
        auth.labelValues(listener, mechanism, success ? "success" : "failure").inc();
    }

    @Override
    public void messageAccepted(String listener, long size) {
        accepted.labelValues(listener).inc();
        sizes.labelValues(listener).observe(size);
    }

    @Override
    public void rejected(String listener, String command, int code) {
        rejections.labelValues(listener, command, Integer.toString(code)).inc();
    }

    /** A message's spool file was synced in this many nanoseconds. */
    public void spoolSynced(long nanos) {
        syncs.observe(nanos / 1e9);
    }

    @Override
    public void attempted(Destination destination, Outcome outcome) {
        deliveries.labelValues(destinationClass(destination), result(outcome)).inc();
    }

    private static String destinationClass(Destination d) {
        return switch (d) {
            case Destination.Local l -> "local";
            case Destination.Smarthost s -> "smarthost";
            case Destination.Mx m -> "mx";
            case Destination.Host h -> "route";
        };
    }

    private static String result(Outcome outcome) {
        return switch (outcome) {
            case DELIVERED, RELAYED, RELAYED_WITHOUT_DSN -> "delivered";
            case PENDING -> "deferred";
            case FAILED -> "failed";
        };
    }

    /** Writes every metric in the Prometheus text format (version 0.0.4). */
    public void scrape(OutputStream out) throws IOException {
        writer.write(out, registry.scrape(), EscapingScheme.DEFAULT);
    }

    public String contentType() {
        return writer.getContentType();
    }
}
