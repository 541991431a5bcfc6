package dev.mailroom.tlsrpt;

import dev.mailroom.dns.MxResolver;
import dev.mailroom.dns.TxtAnswer;
import dev.mailroom.log.EventLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Records the outcome of every outbound TLS negotiation per policy domain and UTC day (RFC 8460), and writes the
 * day's aggregate report of each domain that asks for reports ({@code _smtp._tls} TXT with {@code rua=}) to
 * {@code DATA/tls-rpt/YYYY-MM-DD/DOMAIN.json}, rewritten as the day goes on and final once it is over. Sending the
 * reports to the rua addresses is left for later; the files are what would be sent.
 *
 * <p>Counting is in memory; the files are written every minute and at shutdown, and a restart goes on counting
 * from the day's file. Domains without a TLSRPT record are counted but never written, and at most
 * {@value #MAX_DOMAINS_PER_DAY} domains a day are tracked, so a flood of one-off domains cannot exhaust memory.
 */
public final class TlsReports implements AutoCloseable {
    static final int MAX_DOMAINS_PER_DAY = 10_000;
    private static final Duration FLUSH_EVERY = Duration.ofMinutes(1);
    private static final Pattern DOMAIN_FILE = Pattern.compile("[a-z0-9.-]{1,253}");

    private final MxResolver dns;
    private final Path dir;
    private final String organization;
    private final String contact;
    private final Clock clock;
    private final Map<String, DailyReport> reports = new ConcurrentHashMap<>();
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Map<String, Optional<TlsRptRecord>> rua = new ConcurrentHashMap<>();
    private volatile Thread flusher;

    /**
     * @param organization the organization-name of the reports (our host name)
     * @param contact      their contact-info (e.g. postmaster@ our domain)
     */
    public TlsReports(MxResolver dns, Path dir, String organization, String contact, Clock clock) {
        this.dns = dns;
        this.dir = dir;
        this.organization = organization;
        this.contact = contact;
        this.clock = clock;
    }

    /** A session with TLS as the policy asked. */
    public void success(ReportPolicy policy) {
        report(policy.domain()).ifPresent(r -> {
            r.success(policy);
            dirty.add(key(r.day(), r.domain()));
        });
    }

    /**
     * A failed session, or a policy that could not be used ({@code mxHost} and {@code ip} null).
     *
     * @param detail a short reason, reported as additional-information
     */
    public void failure(ReportPolicy policy, ResultType type, String mxHost, String ip, String detail) {
        String info = detail == null ? null : detail.length() > 200 ? detail.substring(0, 200) : detail;
        report(policy.domain()).ifPresent(r -> {
            r.failure(policy, new DailyReport.FailureKey(type, mxHost, ip, info));
            dirty.add(key(r.day(), r.domain()));
        });
    }

    /** Writes the report of every domain counted since the last flush that has a TLSRPT record. */
    public void flush() {
        LocalDate today = today();
        for (String k : Set.copyOf(dirty)) {
            dirty.remove(k);
            DailyReport r = reports.get(k);
            if (r == null) {
                continue;
            }
            if (ruaOf(r.day(), r.domain()).isPresent()) {
                try {
                    write(r);
                } catch (IOException e) {
                    EventLog.warn("tls-report", "domain", r.domain(), "day", r.day(), "error", e.toString());
                    dirty.add(k);
                }
            }
        }
        reports.values().removeIf(r -> r.day().isBefore(today) && !dirty.contains(key(r.day(), r.domain())));
        rua.keySet().removeIf(k -> !k.startsWith(today.toString()));
    }

    /** The file of a domain's report for a day. */
    public Path file(LocalDate day, String domain) {
        return dir.resolve(day.toString()).resolve(domain.toLowerCase(Locale.ROOT) + ".json");
    }

    /** Flushes every minute on a daemon thread until {@link #close()}. */
    public void start() {
        flusher = Thread.ofVirtual().name("tls-report-flush").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(FLUSH_EVERY);
                } catch (InterruptedException e) {
                    return;
                }
                flush();
            }
        });
    }

    @Override
    public void close() {
        Thread t = flusher;
        if (t != null) {
            t.interrupt();
        }
        flush();
    }

    private Optional<DailyReport> report(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        if (!DOMAIN_FILE.matcher(d).matches()) {
            return Optional.empty(); // an address literal is no policy domain
        }
        LocalDate day = today();
        String k = key(day, d);
        DailyReport r = reports.get(k);
        if (r == null) {
            if (reports.size() >= MAX_DOMAINS_PER_DAY) {
                return Optional.empty();
            }
            r = reports.computeIfAbsent(k, x -> load(day, d));
        }
        return Optional.of(r);
    }

    private DailyReport load(LocalDate day, String domain) {
        Path f = file(day, domain);
        if (Files.isRegularFile(f)) {
            try {
                return DailyReport.fromJson(day, domain, Files.readString(f, StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                EventLog.warn("tls-report", "domain", domain, "day", day, "error", "unreadable, starting anew: " + e);
            }
        }
        return new DailyReport(day, domain);
    }

    /** The domain's TLSRPT record, asked once a day; a DNS failure is not remembered, so the next flush asks again. */
    private Optional<TlsRptRecord> ruaOf(LocalDate day, String domain) {
        String k = key(day, domain);
        Optional<TlsRptRecord> known = rua.get(k);
        if (known != null) {
            return known;
        }
        return switch (dns.txt("_smtp._tls", domain)) {
            case TxtAnswer.Found(var texts) -> remember(k, TlsRptRecord.select(texts));
            case TxtAnswer.None _ -> remember(k, Optional.empty());
            case TxtAnswer.Failed _ -> Optional.empty();
        };
    }

    private Optional<TlsRptRecord> remember(String key, Optional<TlsRptRecord> record) {
        rua.put(key, record);
        return record;
    }

    private void write(DailyReport r) throws IOException {
        Path target = file(r.day(), r.domain());
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + r.domain() + ".", ".tmp");
        try {
            Files.writeString(tmp, r.toJson(organization, contact), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private static String key(LocalDate day, String domain) {
        return day + "/" + domain;
    }
}
