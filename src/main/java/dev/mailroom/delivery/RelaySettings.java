package dev.mailroom.delivery;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where finished messages go until direct MX delivery exists: one smarthost.
 *
 * @param host            smarthost name or address
 * @param port            smarthost port
 * @param heloName        our EHLO name
 * @param tls             NONE, OPPORTUNISTIC (STARTTLS when offered) or REQUIRED (defer without it)
 * @param verifyCertificate check the smarthost's certificate and name (PKIX)
 * @param trustedCa       an extra CA certificate (PEM) to trust, e.g. a private CA
 * @param username        AUTH PLAIN user at the smarthost, if it wants one (only over TLS)
 * @param password        its password
 * @param concurrency     parallel deliveries
 * @param retryInitial    first retry delay after a temporary failure; doubled each time
 * @param retryMax        longest retry delay
 * @param lifetime        how long a message may stay queued; then its pending recipients fail for good
 */
public record RelaySettings(String host, int port, String heloName, TlsPolicy tls, boolean verifyCertificate,
                            Optional<Path> trustedCa, Optional<String> username, Optional<String> password,
                            int concurrency, Duration retryInitial, Duration retryMax, Duration lifetime) {

    public enum TlsPolicy { NONE, OPPORTUNISTIC, REQUIRED }

    @Override
    public String toString() {
        // never print the password
        return "RelaySettings[" + host + ":" + port + ", tls=" + tls + ", user=" + username.orElse("-") + "]";
    }
}
