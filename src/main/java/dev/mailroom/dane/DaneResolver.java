package dev.mailroom.dane;

import dev.mailroom.dns.MxResolver;
import dev.mailroom.dns.TargetHost;
import dev.mailroom.dns.TlsaAnswer;
import java.net.IDN;
import java.util.List;
import org.xbill.DNS.TLSARecord;

/**
 * Decides what DANE asks of the connection to one MX host (RFC 7672 section 2.2) from DNSSEC-validated DNS.
 *
 * <p>Call it for each host of a route in the route's order, when the host is about to be tried: MX preference
 * decides the order, never the presence of TLSA records (RFC 7672 section 2.2.1), and a host that is never tried
 * costs no TLSA lookup. Thread-safe and blocking, like {@link MxResolver}.
 *
 * <p>Simplification: the TLSA base domain is the MX host name as published. RFC 7672 section 2.2.2 would first try
 * the name a secure CNAME chain from the MX host name ends at; Mailroom looks only at the published name (the TLSA
 * lookup itself follows CNAMEs, secure only when every link is).
 */
public final class DaneResolver {
    private final MxResolver dns;

    /** @throws IllegalArgumentException when the resolver does not validate DNSSEC: DANE is meaningless without */
    public DaneResolver(MxResolver dns) {
        if (!dns.validating()) {
            throw new IllegalArgumentException("DANE needs a DNSSEC-validating resolver (RFC 7672 section 2.1)");
        }
        this.dns = dns;
    }

    /**
     * @param nextHopDomain the domain the mail is for (the recipient domain): a DANE-TA certificate may name it
     *                      instead of the MX host (RFC 7672 section 3.2.2)
     * @param host          one host of the domain's route, from the same (validating) {@link MxResolver}
     * @param port          the SMTP port, 25 for MX delivery: the TLSA records are at {@code _port._tcp.host}
     */
    public DanePolicy policyFor(String nextHopDomain, TargetHost host, int port) {
        if (!host.secure()) {
            // RFC 7672 sections 2.2.1-2.2.2: only a secure MX RRset and secure host addresses lead to TLSA records.
            return new DanePolicy.NotApplicable(host.name() + ": the MX or address records are not DNSSEC-secure");
        }
        return switch (dns.tlsa(host.name(), port)) {
            case TlsaAnswer.Failed(var status, String reason) -> new DanePolicy.Unavailable(status, reason);
            case TlsaAnswer.NoRecords(boolean secure) -> new DanePolicy.NotApplicable(host.name()
                    + (secure ? ": no TLSA records (DNSSEC proves there are none)" : ": no TLSA records (insecure denial)"));
            case TlsaAnswer.Records(List<TLSARecord> records, boolean secure) -> secure
                    ? fromSecureRecords(nextHopDomain, host, records)
                    : new DanePolicy.NotApplicable(host.name() + ": the TLSA records are not DNSSEC-secure");
        };
    }

    private static DanePolicy fromSecureRecords(String nextHopDomain, TargetHost host, List<TLSARecord> records) {
        List<TlsaRecord> usable = records.stream().map(TlsaRecord::of).filter(TlsaRecord::usable).toList();
        if (usable.isEmpty()) {
            return new DanePolicy.EncryptOnly(host.name() + ": none of the " + records.size()
                    + " TLSA records is usable (RFC 7672 section 3.1): TLS without authentication");
        }
        // Reference names are A-labels, as certificates carry them (RFC 6125 section 6.2.1).
        String nextHop = IDN.toASCII(nextHopDomain, IDN.ALLOW_UNASSIGNED);
        return new DanePolicy.Verify(new TlsaSet(host.name(), List.of(host.name(), nextHop), usable));
    }
}
