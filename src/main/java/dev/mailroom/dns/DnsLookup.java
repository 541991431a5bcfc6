package dev.mailroom.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Sends queries to the configured resolvers and reduces each response to an {@link Answer}, following CNAMEs.
 *
 * <p>Direct {@link Message} queries rather than dnsjava's {@code Lookup}: the response code must stay visible,
 * because NXDOMAIN (a permanent failure) and SERVFAIL (a temporary one) lead to opposite decisions for mail.
 * A UDP answer with TC set is asked again over TCP by dnsjava's {@link SimpleResolver} (RFC 7766 section 5).
 */
final class DnsLookup {
    /** Longest CNAME chain followed; longer chains are treated as broken (temporary failure). */
    static final int MAX_CNAME_HOPS = 8;

    private final List<SimpleResolver> servers;
    private final Duration timeout;
    private final int retries;

    DnsLookup(List<InetSocketAddress> servers, Duration timeout, int retries) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the DNS timeout must be positive: " + timeout);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must not be negative: " + retries);
        }
        List<InetSocketAddress> targets = servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        List<SimpleResolver> resolvers = new ArrayList<>();
        for (InetSocketAddress server : targets) {
            SimpleResolver r = new SimpleResolver(server);
            r.setTimeout(timeout); // dnsjava's own limit only cleans up; send() below enforces the timeout
            resolvers.add(r);
        }
        this.servers = List.copyOf(resolvers);
        this.timeout = timeout;
        this.retries = retries;
    }

    /** Resolves {@code name}/{@code type}, following CNAMEs (RFC 1034 section 3.6.2, RFC 5321 section 5.1). */
    Answer lookup(Name name, int type) {
        Name current = name;
        Set<Name> seen = new HashSet<>();
        seen.add(current);
        while (true) {
            Message response;
            try {
                response = send(current, type);
            } catch (IOException e) {
                return new Answer.Failure(describe(current, type, e));
            }
            int rcode = response.getRcode();
            if (rcode == Rcode.NXDOMAIN) {
                return new Answer.NxDomain(current);
            }
            if (rcode != Rcode.NOERROR) {
                return new Answer.Failure(Type.string(type) + " lookup of " + current.toString(true) + ": " + Rcode.string(rcode));
            }
            // A recursive resolver returns the whole chain in one answer; an authoritative server may
            // return only the first CNAME. Walk what we got, then ask again for the name we ended at.
            List<Record> answer = response.getSection(Section.ANSWER);
            Name start = current;
            while (true) {
                List<Record> data = recordsAt(answer, current, type);
                if (!data.isEmpty()) {
                    return new Answer.Data(current, data);
                }
                List<Record> alias = recordsAt(answer, current, Type.CNAME);
                if (alias.isEmpty() || type == Type.CNAME) {
                    break;
                }
                current = ((CNAMERecord) alias.getFirst()).getTarget();
                if (!seen.add(current)) {
                    return new Answer.Failure("CNAME loop at " + current);
                }
                if (seen.size() > MAX_CNAME_HOPS + 1) {
                    return new Answer.Failure("CNAME chain from " + name + " longer than " + MAX_CNAME_HOPS);
                }
            }
            if (current.equals(start)) {
                return new Answer.NoData(current);
            }
        }
    }

    /**
     * Asks the servers in turn, each up to {@code retries + 1} times, until one gives an answer that decides
     * something (NOERROR or NXDOMAIN). A server that answers SERVFAIL or REFUSED has spoken and is not asked again
     * in this lookup; if every server did, the last such response is the result.
     *
     * <p>The timeout is enforced here rather than left to dnsjava, whose I/O thread checks its timers only once a
     * second: a 200 ms timeout must mean 200 ms.
     */
    private Message send(Name name, int type) throws IOException {
        List<SimpleResolver> pending = new ArrayList<>(servers);
        Message failedResponse = null;
        IOException error = new IOException("no DNS server configured");
        for (int round = 0; round <= retries && !pending.isEmpty(); round++) {
            for (var it = pending.iterator(); it.hasNext(); ) {
                SimpleResolver server = it.next();
                Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN)); // a fresh ID per attempt
                CompletableFuture<Message> reply = server.sendAsync(query).toCompletableFuture();
                try {
                    Message response = reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
                    int rcode = response.getRcode();
                    if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                        return response;
                    }
                    failedResponse = response;
                    it.remove();
                } catch (TimeoutException e) {
                    reply.cancel(true);
                    error = new IOException("Timed out waiting for " + server.getAddress(), e);
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
        Answer v4 = lookup(host, Type.A);
        Answer v6 = lookup(host, Type.AAAA);
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
