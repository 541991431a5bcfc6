package dev.mailroom.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One host to try for a domain, with the addresses to connect to.
 *
 * @param name       the host name as published in the MX record (or the domain itself), without the final dot;
 *                   the name a TLS certificate check is made against, and the TLSA base domain (RFC 7672 section 2.2.3)
 * @param preference the MX preference (lower is tried first); 0 for the implicit MX
 * @param addresses  A addresses first, then AAAA addresses; never empty
 * @param implicit   true when the domain has no MX records and its own address records stand in for them
 *                   (RFC 5321 section 5.1), or when the domain is an address literal
 * @param secure     DNSSEC validated every answer that led here: the MX RRset (for an implicit MX, the proof that
 *                   there is none) and this host's A and AAAA RRsets. Only then do TLSA records apply to the host
 *                   (RFC 7672 sections 2.2.1 and 2.2.2); always false when validation is off
 */
public record TargetHost(String name, int preference, List<InetAddress> addresses, boolean implicit, boolean secure) {
    public TargetHost {
        Objects.requireNonNull(name, "name");
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a target host needs at least one address: " + name);
        }
    }

    /** A host found without DNSSEC (validation off, an unsigned zone, an address literal). */
    public TargetHost(String name, int preference, List<InetAddress> addresses, boolean implicit) {
        this(name, preference, addresses, implicit, false);
    }
}
