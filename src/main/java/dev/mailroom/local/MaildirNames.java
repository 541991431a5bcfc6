package dev.mailroom.local;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique Maildir file names, {@code <seconds>.M<micros>P<pid>Q<counter>.<host>}, as
 * https://cr.yp.to/proto/maildir.html recommends: the time and the process id keep processes apart, the
 * counter keeps deliveries within this process apart (many threads may deliver in the same microsecond).
 */
final class MaildirNames {

    /** Process-wide: two MaildirDelivery instances in one process must not collide either. */
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();

    private final String host;
    private final Clock clock;

    MaildirNames(String hostname, Clock clock) {
        this.host = sanitiseHost(hostname);
        this.clock = clock;
    }

    String next() {
        Instant now = clock.instant();
        return now.getEpochSecond() + ".M" + now.getNano() / 1000 + "P" + PID + "Q" + COUNTER.incrementAndGet() + "." + host;
    }

    /**
     * The maildir spec: "/" becomes \057 and ":" becomes \072 (":" separates the info part in cur/). We also
     * drop anything that is not printable ASCII; the host name is configuration, but a file name is no place
     * for control characters.
     */
    static String sanitiseHost(String hostname) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < hostname.length(); i++) {
            char c = hostname.charAt(i);
            if (c == '/') {
                sb.append("\\057");
            } else if (c == ':') {
                sb.append("\\072");
            } else if (c == '\\') {
                sb.append("\\134"); // the escape character itself, so the encoding stays unambiguous
            } else if (c == ',') {
                sb.append("\\054"); // "," starts the ",S=" size field (a Dovecot/Courier convention)
            } else if (c > ' ' && c < 0x7f) {
                sb.append(c);
            }
        }
        return sb.isEmpty() ? "localhost" : sb.toString();
    }
}
