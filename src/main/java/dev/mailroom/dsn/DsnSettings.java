package dev.mailroom.dsn;

import java.util.Objects;

/**
 * @param reportingMta     this server's host name: Reporting-MTA, the From address MAILER-DAEMON@host and
 *                         the Message-ID's domain
 * @param maxFullReturn    the largest original returned whole with RET=FULL, in octets; a larger one is
 *                         returned as its header section only
 */
public record DsnSettings(String reportingMta, long maxFullReturn) {

    /** 10 MiB, beyond which even RET=FULL gets the header section only. */
    public static final long DEFAULT_MAX_FULL_RETURN = 10L * 1024 * 1024;

    public DsnSettings {
        Objects.requireNonNull(reportingMta, "reportingMta");
        if (reportingMta.isEmpty() || !reportingMta.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new IllegalArgumentException("reporting MTA must be a host name");
        }
        if (maxFullReturn < 0) {
            throw new IllegalArgumentException("negative size cap");
        }
    }

    public static DsnSettings of(String hostname) {
        return new DsnSettings(hostname, DEFAULT_MAX_FULL_RETURN);
    }
}
