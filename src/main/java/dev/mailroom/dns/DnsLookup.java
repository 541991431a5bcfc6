package dev.mailroom.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

/**
 * Sends queries to the configured resolvers and reduces each response to an {@link Answer}, following CNAMEs.
 *
 * <p>Direct {@link Message} queries rather than dnsjava's {@code Lookup}: the response code must stay visible,
 * because NXDOMAIN (a permanent failure) and SERVFAIL (a temporary one) lead to opposite decisions for mail.
 * A UDP answer with TC set is asked again over TCP by dnsjava's {@link SimpleResolver} (RFC 7766 section 5).
 *
 * <p>With trust anchors, every query goes through dnsjava's DNSSEC validator ({@link ValidatingResolver}, one per
 * server), which asks the server for the records with their signatures (DO and CD set) and fetches the DS and DNSKEY
 * records of the chain of trust itself; each answer then carries its {@link DnssecStatus}.
 */
final class DnsLookup {
    /** Longest CNAME chain followed; longer chains are treated as broken (temporary failure). */
    static final int MAX_CNAME_HOPS = 8;
    /**
     * A validated answer may take several round trips (DS and DNSKEY queries up the chain of trust until the keys
     * are cached): it gets this many timeouts in all.
     */
    static final int VALIDATION_ROUNDS = 4;
    /** The longest validator reason quoted in a failure. */
    private static final int MAX_REASON = 160;

    private final List<Server> servers;
    private final List<Server> validators;
    private final int retries;

    DnsLookup(List<InetSocketAddress> servers, Duration timeout, int retries) {
        this(servers, timeout, retries, Optional.empty());
    }

    /**
     * @param trustAnchors where DNSSEC validation starts; empty: no validation, every answer is
     *                     {@link DnssecStatus#INSECURE}
     */
    DnsLookup(List<InetSocketAddress> servers, Duration timeout, int retries, Optional<TrustAnchors> trustAnchors) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the DNS timeout must be positive: " + timeout);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must not be negative: " + retries);
        }
        List<InetSocketAddress> targets = servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        List<Server> plain = new ArrayList<>();
        List<Server> validating = new ArrayList<>();
        for (InetSocketAddress server : targets) {
            plain.add(new Server(simple(server, timeout), server, timeout));
            if (trustAnchors.isPresent()) {
                // A head resolver of its own: the validator sets EDNS with DO on it, which plain queries do not need.
                ValidatingResolver validator = new ValidatingResolver(simple(server, timeout));
                trustAnchors.get().loadInto(validator);
                validating.add(new Server(validator, server, timeout.multipliedBy(VALIDATION_ROUNDS)));
            }
        }
        this.servers = List.copyOf(plain);
        this.validators = List.copyOf(validating);
        this.retries = retries;
    }

    private static SimpleResolver simple(InetSocketAddress server, Duration timeout) {
        SimpleResolver r = new SimpleResolver(server);
        r.setTimeout(timeout); // dnsjava's own limit only cleans up; send() below enforces the timeout
        return r;
    }

    /** Whether answers are validated with DNSSEC (trust anchors were given). */
    boolean validating() {
        return !validators.isEmpty();
    }

    /** Resolves {@code name}/{@code type}, following CNAMEs (RFC 1034 section 3.6.2, RFC 5321 section 5.1). */
    Answer lookup(Name name, int type) {
        return lookupValidated(name, type).answer();
    }

    /**
     * {@link #lookup} with the DNSSEC verdict: the weakest status of every response on the way (a CNAME chain is
     * only secure when every link is, RFC 4035 section 5.3.3). A bogus response is an {@link Answer.Failure}:
     * forged data must never be used (RFC 7672 section 2.1.1).
     */
    Validated lookupValidated(Name name, int type) {
        Name current = name;
        Set<Name> seen = new HashSet<>();
        seen.add(current);
        DnssecStatus status = validating() ? DnssecStatus.SECURE : DnssecStatus.INSECURE;
        while (true) {
            Message response;
            try {
                response = send(current, type, validating() ? validators : servers, false);
            } catch (IOException e) {
                return new Validated(new Answer.Failure(describe(current, type, e)), DnssecStatus.INDETERMINATE);
            }
            int rcode = response.getRcode();
            if (rcode == Rcode.SERVFAIL && validating()) {
                return bogusOrIndeterminate(current, type, response);
            }
            if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                return new Validated(new Answer.Failure(Type.string(type) + " lookup of " + current.toString(true) + ": "
                        + Rcode.string(rcode)), DnssecStatus.INDETERMINATE);
            }
            // The validator sets AD only on what it validated itself (it clears any AD from the server).
            if (!response.getHeader().getFlag(Flags.AD)) {
                status = status.weakest(DnssecStatus.INSECURE);
            }
            if (rcode == Rcode.NXDOMAIN) {
                return new Validated(new Answer.NxDomain(current), status);
            }
            // A recursive resolver returns the whole chain in one answer; an authoritative server may
            // return only the first CNAME. Walk what we got, then ask again for the name we ended at.
            List<Record> answer = response.getSection(Section.ANSWER);
            Name start = current;
            while (true) {
                List<Record> data = recordsAt(answer, current, type);
                if (!data.isEmpty()) {
                    return new Validated(new Answer.Data(current, data), status);
                }
                List<Record> alias = recordsAt(answer, current, Type.CNAME);
                if (alias.isEmpty() || type == Type.CNAME) {
                    break;
                }
                current = ((CNAMERecord) alias.getFirst()).getTarget();
                if (!seen.add(current)) {
                    return new Validated(new Answer.Failure("CNAME loop at " + current), DnssecStatus.INDETERMINATE);
                }
                if (seen.size() > MAX_CNAME_HOPS + 1) {
                    return new Validated(new Answer.Failure("CNAME chain from " + name + " longer than " + MAX_CNAME_HOPS),
                            DnssecStatus.INDETERMINATE);
                }
            }
            if (current.equals(start)) {
                return new Validated(new Answer.NoData(current), status);
            }
        }
    }

    /**
     * The validator answers SERVFAIL both when the data is bogus and when the server failed. Asking the server
     * again with checking disabled (CD, RFC 4035 section 3.2.2) tells them apart: if it then answers, the data
     * was there and failed validation.
     */
    private Validated bogusOrIndeterminate(Name name, int type, Message validatorResponse) {
        String what = Type.string(type) + " lookup of " + name.toString(true);
        Message upstream;
        try {
            upstream = send(name, type, servers, true);
        } catch (IOException e) {
            return new Validated(new Answer.Failure(describe(name, type, e)), DnssecStatus.INDETERMINATE);
        }
        int rcode = upstream.getRcode();
        if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
            return new Validated(new Answer.Failure(what + ": DNSSEC validation failed (bogus): "
                    + validationReason(validatorResponse)), DnssecStatus.BOGUS);
        }
        return new Validated(new Answer.Failure(what + ": " + Rcode.string(rcode)), DnssecStatus.INDETERMINATE);
    }

    /**
     * dnsjava's validator puts its reason into a TXT record of a private class in the additional section. It may
     * quote whole RRsets with their signatures; the reason ends up in a reply text, so it is cut short.
     */
    private static String validationReason(Message response) {
        for (Record r : response.getSection(Section.ADDITIONAL)) {
            if (r instanceof TXTRecord txt && r.getDClass() == ValidatingResolver.VALIDATION_REASON_QCLASS) {
                String reason = String.join("", txt.getStrings());
                return reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON) + "...";
            }
        }
        return "no reason given";
    }

    /**
     * Asks the servers in turn, each up to {@code retries + 1} times, until one gives an answer that decides
     * something (NOERROR or NXDOMAIN). A server that answers SERVFAIL or REFUSED has spoken and is not asked again
     * in this lookup; if every server did, the last such response is the result.
     *
     * <p>The timeout is enforced here rather than left to dnsjava, whose I/O thread checks its timers only once a
     * second: a 200 ms timeout must mean 200 ms. With {@code checkingDisabled} the query sets CD (RFC 4035
     * section 3.2.2): a validating server then answers with the data even when it would judge it bogus.
     */
    private Message send(Name name, int type, List<Server> resolvers, boolean checkingDisabled) throws IOException {
        List<Server> pending = new ArrayList<>(resolvers);
        Message failedResponse = null;
        IOException error = new IOException("no DNS server configured");
        for (int round = 0; round <= retries && !pending.isEmpty(); round++) {
            for (var it = pending.iterator(); it.hasNext(); ) {
                Server server = it.next();
                Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN)); // a fresh ID per attempt
                if (checkingDisabled) {
                    query.getHeader().setFlag(Flags.CD);
                }
                CompletableFuture<Message> reply = server.resolver().sendAsync(query).toCompletableFuture();
                try {
                    Message response = reply.get(server.timeout().toNanos(), TimeUnit.NANOSECONDS);
                    int rcode = response.getRcode();
                    if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                        return response;
                    }
                    failedResponse = response;
                    it.remove();
                } catch (TimeoutException e) {
                    reply.cancel(true);
                    error = new IOException("Timed out waiting for " + server.address(), e);
                } catch (ExecutionException e) {
                    error = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        }
        if (failedResponse != null) {
            return failedResponse;
        }
        throw error;
    }

    /** A and AAAA records of {@code host} together, A first; NoData only when neither type has any. */
    Answer addresses(Name host) {
        return addressesValidated(host).answer();
    }

    /** {@link #addresses} with the DNSSEC verdict: secure only when both the A and the AAAA answers are. */
    Validated addressesValidated(Name host) {
        Validated a = lookupValidated(host, Type.A);
        Validated aaaa = lookupValidated(host, Type.AAAA);
        return new Validated(combine(host, a.answer(), aaaa.answer()), a.status().weakest(aaaa.status()));
    }

    private static Answer combine(Name host, Answer v4, Answer v6) {
        List<Record> records = new ArrayList<>();
        Name canonical = host;
        for (Answer a : List.of(v4, v6)) {
            if (a instanceof Answer.Data(Name c, List<Record> rs)) {
                records.addAll(rs);
                canonical = c;
            }
        }
        if (!records.isEmpty()) {
            return new Answer.Data(canonical, records);
        }
        if (v4 instanceof Answer.Failure f) {
            return f;
        }
        if (v6 instanceof Answer.Failure f) {
            return f;
        }
        return v4; // NoData or NxDomain: both types agree there is nothing
    }

    /** One answer and how DNSSEC judged it ({@link DnssecStatus#INSECURE} for all when validation is off). */
    record Validated(Answer answer, DnssecStatus status) {
    }

    /** One DNS server as one resolver sees it, with the time it gets for one query. */
    private record Server(Resolver resolver, InetSocketAddress address, Duration timeout) {
    }

    private static List<Record> recordsAt(List<Record> answer, Name owner, int type) {
        List<Record> found = new ArrayList<>();
        for (Record r : answer) {
            if (r.getType() == type && r.getDClass() == DClass.IN && r.getName().equals(owner)) {
                found.add(r);
            }
        }
        return found;
    }

    private static String describe(Name name, int type, IOException e) {
        String what = Type.string(type) + " lookup of " + name.toString(true);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException || (t.getMessage() != null && t.getMessage().contains("Timed out"))) {
                return what + " timed out";
            }
        }
        return what + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
}
