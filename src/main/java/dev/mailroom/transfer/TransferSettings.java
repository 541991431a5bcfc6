package dev.mailroom.transfer;

import dev.mailroom.address.PathParser;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The transfer role's settings for one listener.
 *
 * @param hostname           FQDN in the Received field
 * @param defaultDomain      the domain of a bare {@code <postmaster>} (RFC 5321 section 4.1.1.3)
 * @param localDomains       domains whose mail this site takes for its own users
 * @param relayDomains       domains accepted from anyone and forwarded (this site is their MX or gateway)
 * @param maxReceivedHeaders more Received fields than this in an incoming message is a loop (RFC 5321 6.3)
 * @param relayClient        clients that may relay to any domain without AUTH (transfer.relay_networks)
 */
public record TransferSettings(String hostname, String defaultDomain, Set<String> localDomains,
                               Set<String> relayDomains, int maxReceivedHeaders, Predicate<InetAddress> relayClient) {

    public TransferSettings {
        localDomains = keys(localDomains);
        relayDomains = keys(relayDomains);
    }

    /**
     * How domains are compared: in A-labels (RFC 6531 section 3.2: a U-label and its A-label are the same
     * domain) and in lower case (RFC 5321 section 2.4). Address literals stay as they are.
     */
    static String domainKey(String domain) {
        return PathParser.toAsciiDomain(domain).toLowerCase(Locale.ROOT);
    }

    private static Set<String> keys(Set<String> domains) {
        Set<String> out = new HashSet<>();
        for (String d : domains) {
            out.add(domainKey(d));
        }
        return Set.copyOf(out);
    }
}
