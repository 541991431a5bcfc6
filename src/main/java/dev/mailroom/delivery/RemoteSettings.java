package dev.mailroom.delivery;

import dev.mailroom.delivery.RelaySettings.TlsPolicy;
import java.util.Locale;
import java.util.Map;

/**
 * How Mailroom talks to remote MX hosts and static routes ({@code [delivery]}).
 *
 * @param heloName  our EHLO name
 * @param mxPort    the port of MX hosts: 25, except in tests and special set-ups
 * @param tls       the TLS policy for destinations without their own
 * @param tlsPolicy per destination domain or route host (lower case): NONE, OPPORTUNISTIC or REQUIRED (REQUIRED
 *                  also verifies the certificate against the MX host name)
 */
public record RemoteSettings(String heloName, int mxPort, TlsPolicy tls, Map<String, TlsPolicy> tlsPolicy) {
    public RemoteSettings {
        tlsPolicy = Map.copyOf(tlsPolicy);
    }

    public TlsPolicy tlsFor(String domainOrHost) {
        return tlsPolicy.getOrDefault(domainOrHost.toLowerCase(Locale.ROOT), tls);
    }
}
