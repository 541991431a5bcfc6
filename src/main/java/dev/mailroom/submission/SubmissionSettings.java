package dev.mailroom.submission;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The submission role's policy settings.
 *
 * @param hostname              FQDN used in Received and Message-ID
 * @param defaultDomain         completes unqualified addresses (RFC 6409 section 8.8)
 * @param localDomains          the domains this site serves (postmaster, aliases)
 * @param unqualified           complete or reject addresses without a domain
 * @param postmasterWithoutAuth RFC 6409 section 6.4 reduced authentication for postmaster@ a local domain
 *                              (MSA-19; off by default, never allows relaying)
 * @param aliases               configured aliases of envelope recipients (8.7): lower-case address to targets
 * @param receivedClientIp      put the client's IP address into Received (off by default, for privacy)
 * @param receivedUser          put the authenticated user into Received
 * @param maxHeaderSection      the largest header section accepted, in octets
 * @param trustedClient         clients authorised without AUTH (RFC 6409 section 4.3 "already authorised",
 *                              MSA-11): off by default; used for a benchmark listener on loopback
 */
public record SubmissionSettings(String hostname, String defaultDomain, Set<String> localDomains,
                                 UnqualifiedAddresses unqualified, boolean postmasterWithoutAuth,
                                 Map<String, List<String>> aliases, boolean receivedClientIp, boolean receivedUser,
                                 int maxHeaderSection, Predicate<InetAddress> trustedClient) {
    public SubmissionSettings {
        localDomains = Set.copyOf(localDomains);
        aliases = Map.copyOf(aliases);
    }
}
