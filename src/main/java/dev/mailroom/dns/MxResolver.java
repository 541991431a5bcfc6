package dev.mailroom.dns;

import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Finds where mail for a domain goes (RFC 5321 section 5.1): the MX hosts in the order to try them, each with its
 * addresses, or the implicit MX, or the reason there is no route ({@link Route}).
 *
 * <p>Thread-safe and blocking: call it from the delivery worker's (virtual) thread. Nothing is cached; every call
 * asks the resolvers.
 *
 * <p>Built with {@link TrustAnchors}, it validates every answer with DNSSEC: a bogus answer is never used (RFC 7672
 * section 2.1.1: a bogus MX RRset defers the domain, bogus host addresses skip the host), and each
 * {@link TargetHost#secure()} says whether DANE applies to the host ({@link #tlsa}).
 */
public final class MxResolver {
    private static final Pattern LDH_DOMAIN = Pattern.compile("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*");

    private final DnsLookup dns;

    /**
     * @param servers the recursive resolvers to ask, address and port; empty for the system's (/etc/resolv.conf)
     * @param timeout how long to wait for one server's answer (over UDP, and over TCP when the UDP answer was
     *                truncated)
     * @param retries how many times to ask each server again after its first attempt failed or timed out
     */
    public MxResolver(List<InetSocketAddress> servers, Duration timeout, int retries) {
        this.dns = new DnsLookup(servers, timeout, retries);
    }

    /**
     * A resolver that validates every answer with DNSSEC (RFC 4035 section 5) from these trust anchors; the servers
     * must pass DNSSEC records through (any recursive resolver that understands EDNS0 and the DO bit does).
     */
    public MxResolver(List<InetSocketAddress> servers, Duration timeout, int retries, TrustAnchors trustAnchors) {
        this.dns = new DnsLookup(servers, timeout, retries, Optional.of(trustAnchors));
    }

    /** Whether answers are validated with DNSSEC. */
    public boolean validating() {
        return dns.validating();
    }

    /**
     * The address of an address-literal domain, {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}
     * (RFC 5321 section 4.1.3); such a domain is delivered to directly, without DNS. Empty for any other text,
     * including malformed literals.
     */
    public static Optional<InetAddress> addressLiteral(String domain) {
        return AddressLiterals.parseLiteral(domain);
    }

    /** The route for mail to {@code domain} (the part after the @, an address literal included). */
    public Route resolve(String domain) {
        if (domain.startsWith("[")) {
            return addressLiteral(domain)
                    .<Route>map(a -> new Route.Hosts(List.of(new TargetHost(domain, 0, List.of(a), true))))
                    .orElseGet(() -> new Route.NoSuchDomain(domain, "not a valid address literal"));
        }
        Name name;
        try {
            name = toName(domain);
        } catch (TextParseException | IllegalArgumentException e) {
            return new Route.NoSuchDomain(domain, "not a valid domain name");
        }
        DnsLookup.Validated mx = dns.lookupValidated(name, Type.MX);
        // RFC 7672 section 2.2.1: DANE applies only to the hosts of a secure MX RRset (or a secure proof of none).
        boolean mxSecure = mx.status() == DnssecStatus.SECURE;
        return switch (mx.answer()) {
            case Answer.Failure(String reason) -> new Route.TemporaryFailure(domain, reason);
            case Answer.NxDomain _ -> new Route.NoSuchDomain(domain, "no such domain");
            case Answer.NoData _ -> implicitMx(domain, name, mxSecure);
            case Answer.Data(Name _, List<Record> records) ->
                    mxHosts(domain, records.stream().map(MXRecord.class::cast).toList(), mxSecure);
        };
    }

    /**
     * The TLSA records of a service, {@code _port._tcp.host} (RFC 6698 section 3, RFC 7672 section 2.2.3), following
     * CNAMEs; secure only when every link validated. Without DNSSEC validation nothing is ever secure.
     *
     * @param host a DNS host name such as {@link TargetHost#name()}; not an address literal
     * @throws IllegalArgumentException when {@code host} is not a domain name
     */
    public TlsaAnswer tlsa(String host, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("not a port: " + port);
        }
        Name name;
        try {
            name = Name.concatenate(Name.fromString("_" + port + "._tcp"), toName(host));
        } catch (TextParseException | IllegalArgumentException | NameTooLongException e) {
            throw new IllegalArgumentException("not a host name: " + host, e);
        }
        DnsLookup.Validated tlsa = dns.lookupValidated(name, Type.TLSA);
        boolean secure = tlsa.status() == DnssecStatus.SECURE;
        return switch (tlsa.answer()) {
            case Answer.Data(Name _, List<Record> records) ->
                    new TlsaAnswer.Records(records.stream().map(TLSARecord.class::cast).toList(), secure);
            case Answer.NoData _, Answer.NxDomain _ -> new TlsaAnswer.NoRecords(secure);
            case Answer.Failure(String reason) -> new TlsaAnswer.Failed(tlsa.status(), reason);
        };
    }

    /**
     * The addresses of one host (a static route or smarthost): A first, then AAAA; an IP address, bare or as an
     * address literal, is returned as it is.
     *
     * @throws UnroutableException {@link Route.NoSuchDomain} when the host does not exist or has no address,
     *                             {@link Route.TemporaryFailure} when DNS failed
     */
    public List<InetAddress> addresses(String host) throws UnroutableException {
        Optional<InetAddress> literal = host.startsWith("[") ? addressLiteral(host) : AddressLiterals.parseBare(host);
        if (literal.isPresent()) {
            return List.of(literal.get());
        }
        Name name;
        try {
            name = toName(host);
        } catch (TextParseException | IllegalArgumentException e) {
            throw new UnroutableException(new Route.NoSuchDomain(host, "not a valid host name"));
        }
        return switch (dns.addresses(name)) {
            case Answer.Data(Name _, List<Record> records) -> toAddresses(records);
            case Answer.Failure(String reason) -> throw new UnroutableException(new Route.TemporaryFailure(host, reason));
            case Answer.NxDomain _ -> throw new UnroutableException(new Route.NoSuchDomain(host, "no such host"));
            case Answer.NoData _ -> throw new UnroutableException(new Route.NoSuchDomain(host, "the host has no address records"));
        };
    }

    /**
     * The TXT records at {@code prefix.domain} (e.g. {@code _mta-sts} + {@code example.com}), each record's
     * character-strings joined without separator as RFC 8461 section 3.1 and RFC 8460 section 3 ask; CNAMEs are
     * followed. The prefix is the caller's fixed underscore label(s), which a host name may not contain.
     */
    public TxtAnswer txt(String prefix, String domain) {
        Name n;
        try {
            n = Name.concatenate(Name.fromString(prefix), toName(domain));
        } catch (TextParseException | org.xbill.DNS.NameTooLongException | IllegalArgumentException e) {
            return new TxtAnswer.None();
        }
        return switch (dns.lookup(n, Type.TXT)) {
            case Answer.Data(Name _, List<Record> records) -> new TxtAnswer.Found(records.stream()
                    .map(r -> String.join("", ((TXTRecord) r).getStrings())).toList());
            case Answer.Failure(String reason) -> new TxtAnswer.Failed(reason);
            case Answer.NxDomain _, Answer.NoData _ -> new TxtAnswer.None();
        };
    }

    /** RFC 5321 section 5.1: no MX records, so the domain's own A/AAAA records act as one MX of preference 0. */
    private Route implicitMx(String domain, Name name, boolean mxSecure) {
        DnsLookup.Validated addresses = dns.addressesValidated(name);
        if (mxSecure && unusable(addresses.status())) {
            return new Route.TemporaryFailure(domain, failureReason(name, addresses));
        }
        boolean secure = mxSecure && addresses.status() == DnssecStatus.SECURE;
        return switch (addresses.answer()) {
            case Answer.Data(Name _, List<Record> records) ->
                    new Route.Hosts(List.of(new TargetHost(name.toString(true), 0, toAddresses(records), true, secure)));
            case Answer.Failure(String reason) -> new Route.TemporaryFailure(domain, reason);
            case Answer.NxDomain _ -> new Route.NoSuchDomain(domain, "no such domain");
            case Answer.NoData _ -> new Route.NoSuchDomain(domain, "the domain has neither MX nor address records");
        };
    }

    private Route mxHosts(String domain, List<MXRecord> mx, boolean mxSecure) {
        if (MxRecords.isNullMx(mx)) {
            return new Route.NullMx(domain); // RFC 7505 section 3: no delivery attempt at all
        }
        List<MXRecord> usable = mx.stream().filter(r -> MxRecords.isUsableTarget(r.getTarget())).toList();
        if (usable.isEmpty()) {
            // RFC 5321 section 5.1: MX records exist but none is usable, which is an error; it is the domain's
            // published data (only "." or IP addresses as targets), not a lookup that failed, so it is final.
            return new Route.NoSuchDomain(domain, "no MX record names a usable host");
        }
        List<TargetHost> hosts = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (MXRecord r : MxRecords.inDeliveryOrder(usable, MXRecord::getPriority, ThreadLocalRandom.current())) {
            String host = r.getTarget().toString(true);
            DnsLookup.Validated addresses = dns.addressesValidated(r.getTarget());
            if (mxSecure && unusable(addresses.status())) {
                // RFC 7672 section 2.2.1: a DANE host whose addresses cannot be trusted is skipped, never used
                // without DANE; the host's TLSA records might have been what the attacker wanted gone.
                problems.add(failureReason(r.getTarget(), addresses));
                continue;
            }
            boolean secure = mxSecure && addresses.status() == DnssecStatus.SECURE;
            switch (addresses.answer()) {
                case Answer.Data(Name _, List<Record> records) ->
                        hosts.add(new TargetHost(host, r.getPriority(), toAddresses(records), false, secure));
                case Answer.Failure(String reason) -> problems.add(reason);
                case Answer.NxDomain _ -> problems.add(host + " does not exist");
                case Answer.NoData _ -> problems.add(host + " has no address records");
            }
        }
        if (hosts.isEmpty()) {
            // Every MX host lacks an address: perhaps a DNS glitch or a zone being changed, so retry later.
            return new Route.TemporaryFailure(domain, "no MX host has an address (" + String.join("; ", problems) + ")");
        }
        return new Route.Hosts(hosts);
    }

    /** A bogus answer is never used; an indeterminate one is not trusted where DNSSEC was expected. */
    private static boolean unusable(DnssecStatus status) {
        return status == DnssecStatus.BOGUS || status == DnssecStatus.INDETERMINATE;
    }

    private static String failureReason(Name host, DnsLookup.Validated addresses) {
        if (addresses.answer() instanceof Answer.Failure(String reason)) {
            return reason;
        }
        String what = addresses.status() == DnssecStatus.BOGUS ? "failed DNSSEC validation (bogus)" : "could not be resolved";
        return "the address records of " + host.toString(true) + " " + what;
    }

    private static List<InetAddress> toAddresses(List<Record> records) {
        List<InetAddress> addresses = new ArrayList<>(records.size());
        for (Record r : records) {
            switch (r) {
                case ARecord a -> addresses.add(a.getAddress());
                case AAAARecord aaaa -> addresses.add(aaaa.getAddress());
                default -> { } // lookup() returns only the types asked for
            }
        }
        return addresses;
    }

    /** The absolute DNS name for a domain; a U-label domain (RFC 6531) becomes its A-label form first. */
    private static Name toName(String domain) throws TextParseException {
        String ascii = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        if (ascii.endsWith(".")) {
            ascii = ascii.substring(0, ascii.length() - 1);
        }
        // RFC 5321 section 4.1.2: a domain is dot-separated labels of letters, digits and hyphens.
        if (!LDH_DOMAIN.matcher(ascii).matches()) {
            throw new TextParseException("not a domain name: " + domain);
        }
        return Name.fromString(ascii + ".");
    }
}
