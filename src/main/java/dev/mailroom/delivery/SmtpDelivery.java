package dev.mailroom.delivery;

import dev.mailroom.dns.MxResolver;
import dev.mailroom.dns.Route;
import dev.mailroom.dns.TargetHost;
import dev.mailroom.dns.UnroutableException;
import dev.mailroom.envelope.BodyType;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.message.EightBitDowngrade;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.queue.RecipientState.Outcome;
import dev.mailroom.queue.StoredMessage;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.smtp.client.Capabilities;
import dev.mailroom.smtp.client.MessageSource;
import dev.mailroom.smtp.client.SmtpClient;
import dev.mailroom.smtp.client.SmtpClientException;
import dev.mailroom.smtp.client.TransactionResult;
import dev.mailroom.tls.CertificateCheck;
import dev.mailroom.tls.CertificateRejectedException;
import dev.mailroom.tls.ClientTls;
import dev.mailroom.tls.PkixCheck;
import dev.mailroom.tlsrpt.ReportPolicy;
import dev.mailroom.tlsrpt.ResultType;
import dev.mailroom.tlsrpt.TlsReports;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The SMTP delivery agent (Postfix's smtp(8)): hands a message to the smarthost, a static route or the
 * recipient domain's MX hosts, one transaction for all recipients of that destination (RFC 5321 section
 * 4.5.4.1). MX hosts are tried in the resolver's order, every address of each, until one takes the
 * transaction; a reply to a recipient is that recipient's result, whichever host gave it (RFC 5321 section 5.1).
 */
public final class SmtpDelivery implements DeliveryAgent {
    /** Cached connections idle longer than this are closed (servers time out idle clients after some minutes). */
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final RelaySettings smarthost;
    private final RemoteSettings remote;
    private final MxResolver resolver;
    private final SecurityPolicies policies;
    private final Optional<TlsReports> reports;
    private final SSLSocketFactory insecure = ClientTls.insecure();
    private final ConnectionCache cache;

    /** Without MTA-STS or TLS reports: the configured policies alone. */
    public SmtpDelivery(RelaySettings smarthost, RemoteSettings remote, MxResolver resolver) {
        this(smarthost, remote, resolver, new SecurityPolicies(remote, PkixCheck.withRoots(Optional.empty()),
                PkixCheck.withRoots(smarthost.trustedCa()), Optional.empty()), Optional.empty());
    }

    public SmtpDelivery(RelaySettings smarthost, RemoteSettings remote, MxResolver resolver,
                        SecurityPolicies policies, Optional<TlsReports> reports) {
        this.smarthost = smarthost;
        this.remote = remote;
        this.resolver = resolver;
        this.policies = policies;
        this.reports = reports;
        this.cache = new ConnectionCache(IDLE_NANOS, Math.max(1, smarthost.concurrency()));
    }

    /**
     * Where to connect, and how: the rule is decided when the host is first tried, since for an MX host that may
     * take a TLSA lookup (RFC 7672 section 2.2.1), and shared by the host's addresses.
     */
    private record Target(String name, InetSocketAddress address, Supplier<Rule> rule, boolean auth) {
        Target(String name, InetSocketAddress address, TransportSecurity security, boolean auth) {
            this(name, address, () -> new Rule(security, Optional.empty()), auth);
        }

        TransportSecurity security() {
            return rule.get().security();
        }

        Optional<ReportPolicy> report() {
            return rule.get().report();
        }

        String key() {
            return name + "|" + address.getAddress().getHostAddress() + ":" + address.getPort() + "|" + security().key();
        }
    }

    /**
     * How to treat one host.
     *
     * @param report the policy that TLS reports name for this host, when its outcomes are reported (MX hosts)
     */
    private record Rule(TransportSecurity security, Optional<ReportPolicy> report) {
    }

    /**
     * The next hop could not be used at all: every recipient gets {@code reply}.
     *
     * @param answeredBy the host that was talked to, or null when none answered (then the destination may be
     *                   unreachable, and is suspended for a while)
     */
    private static final class HopFailure extends Exception {
        final SmtpReply reply;
        final String answeredBy;

        HopFailure(SmtpReply reply) {
            this(reply, null);
        }

        HopFailure(SmtpReply reply, String answeredBy) {
            super(reply.toString(), null, false, false);
            this.reply = reply;
            this.answeredBy = answeredBy;
        }
    }

    /**
     * Destinations none of whose hosts could be reached, until when (Postfix's dead destinations): the other
     * messages queued for them are deferred without a connection attempt each, so a backlog for a host that is
     * down costs no storm of connects.
     */
    private final Map<String, Suspension> suspended = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long SUSPEND_NANOS = TimeUnit.SECONDS.toNanos(60);

    private record Suspension(long untilNanos, SmtpReply reply) {
    }

    @Override
    public Map<Integer, Attempt> deliver(StoredMessage message, List<Integer> recipients, Destination destination) {
        Suspension s = suspended.get(destination.key());
        if (s != null && System.nanoTime() - s.untilNanos < 0) {
            return all(recipients, new Attempt(Outcome.PENDING, s.reply, null));
        }
        Map<Integer, Attempt> result = reach(message, recipients, destination);
        boolean unreachable = result.values().stream().allMatch(a -> a.remoteMta() == null
                && a.outcome() == Outcome.PENDING);
        if (unreachable && !result.isEmpty()) {
            SmtpReply last = result.values().iterator().next().reply();
            suspended.put(destination.key(), new Suspension(System.nanoTime() + SUSPEND_NANOS,
                    last.withText("delivery temporarily suspended: " + last.lines().getFirst())));
        } else {
            suspended.remove(destination.key());
        }
        return result;
    }

    private Map<Integer, Attempt> reach(StoredMessage message, List<Integer> recipients, Destination destination) {
        List<Target> targets;
        try {
            targets = targets(destination, MessageTls.of(message.envelope().parameters()));
        } catch (HopFailure f) {
            return all(recipients, Attempt.of(f.reply, null, Outcome.RELAYED));
        }
        SmtpReply last = SmtpReply.of(451, "4.4.1", "No host of " + destination.key() + " could be reached");
        String lastHost = null;
        for (Target t : targets) {
            if (t.security() instanceof TransportSecurity.Refused(SmtpReply why)) {
                last = why; // RFC 8461 section 4.1: a host outside the policy is never tried
                continue;
            }
            try {
                return attempt(t, message, recipients, true);
            } catch (HopFailure f) {
                last = f.reply; // this host could not take the transaction: try the next one
                lastHost = f.answeredBy;
            }
        }
        return all(recipients, Attempt.of(last, lastHost, Outcome.RELAYED));
    }

    /** Forgets which destinations were unreachable: the operator asked for delivery now. */
    void resume() {
        suspended.clear();
    }

    /** Closes cached connections idle too long; the scheduler calls it when it has nothing to do. */
    void closeIdle() {
        cache.closeIdle();
    }

    void close() {
        cache.closeAll();
    }

    private List<Target> targets(Destination d, MessageTls need) throws HopFailure {
        return switch (d) {
            case Destination.Smarthost s -> {
                TransportSecurity security = policies.forSmarthost(smarthost, need);
                yield addresses(smarthost.host()).stream()
                        .map(a -> new Target(smarthost.host(), new InetSocketAddress(a, smarthost.port()), security,
                                smarthost.username().isPresent()))
                        .toList();
            }
            case Destination.Host h -> {
                TransportSecurity security = policies.forRoute(h.host(), need);
                yield addresses(h.host()).stream()
                        .map(a -> new Target(h.host(), new InetSocketAddress(a, h.port()), security, false))
                        .toList();
            }
            case Destination.Mx mx -> mxTargets(mx.domain(), need);
            case Destination.Local l -> throw new IllegalArgumentException("local recipients go to the local agent");
        };
    }

    private List<Target> mxTargets(String domain, MessageTls need) throws HopFailure {
        Route route = resolver.resolve(domain);
        if (route instanceof Route.Failure f) {
            throw new HopFailure(f.failureReply());
        }
        List<TargetHost> hosts = ((Route.Hosts) route).hosts();
        // RFC 5321 section 5.1: if we are one of the MX hosts, discard ourselves and every host not more
        // preferred than us; with nothing left, the mail would loop back to us.
        int ours = hosts.stream().filter(h -> h.name().equalsIgnoreCase(remote.heloName()))
                .mapToInt(TargetHost::preference).min().orElse(Integer.MAX_VALUE);
        hosts = hosts.stream().filter(h -> h.preference() < ours).toList();
        if (hosts.isEmpty()) {
            throw new HopFailure(SmtpReply.of(554, "5.4.6", "Mail for " + domain + " loops back to myself ("
                    + remote.heloName() + " is its best MX host)"));
        }
        SecurityPolicies.ForDomain security = policies.forMx(domain, need);
        security.policyFailure().ifPresent(f -> reports.ifPresent(r -> r.failure(
                new ReportPolicy(ReportPolicy.STS, domain, List.of(), List.of()), f.type(), null, null, f.reason())));
        List<Target> out = new ArrayList<>();
        for (TargetHost host : hosts) {
            Supplier<Rule> rule = once(() -> rule(security, host));
            for (InetAddress a : host.addresses()) {
                out.add(new Target(host.name(), new InetSocketAddress(a, remote.mxPort()), rule, false));
            }
        }
        return out;
    }

    /** The host's rule; a DANE policy failure (bogus or unusable TLSA records) is reported as it is found. */
    private Rule rule(SecurityPolicies.ForDomain security, TargetHost host) {
        SecurityPolicies.ForHost h = security.perHost().apply(host);
        h.tlsaProblem().ifPresent(p -> reports.ifPresent(r -> r.failure(h.report(), p.type(), host.name(), null,
                oneLine(p.detail()))));
        return new Rule(h.security(), Optional.of(h.report()));
    }

    /** {@code decide} on the first call only. */
    private static <T> Supplier<T> once(Supplier<T> decide) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = decide.get();
                }
                return value;
            }
        };
    }

    private List<InetAddress> addresses(String host) throws HopFailure {
        try {
            return resolver.addresses(host);
        } catch (UnroutableException e) {
            throw new HopFailure(e.failure().failureReply());
        }
    }

    /** One transaction on a cached or new connection to this target. */
    private Map<Integer, Attempt> attempt(Target t, StoredMessage message, List<Integer> indexes, boolean mayReuse)
            throws HopFailure {
        SmtpClient client = mayReuse ? cache.take(t.key()) : null;
        boolean reused = client != null;
        try {
            if (client == null) {
                client = open(t);
            }
            if (message.envelope().parameters().requireTls() && !client.capabilities().has("REQUIRETLS")) {
                // RFC 8689 section 4.2.1: not to a hop that does not promise to keep requiring TLS; next MX.
                cache.give(t.key(), client);
                throw new HopFailure(SmtpReply.of(550, "5.7.30", "REQUIRETLS: " + t.name()
                        + " does not support REQUIRETLS"), t.name());
            }
            Map<Integer, Attempt> refused = refuseWhatThisHopCannotTake(client.capabilities(), message, indexes, t);
            if (refused != null) {
                cache.give(t.key(), client);
                return refused;
            }
            Envelope envelope = subset(message.envelope(), indexes);
            MessageSource source = source(message);
            Path downgraded = null;
            if (envelope.parameters().body() == BodyType.EIGHT_BIT_MIME && !client.capabilities().has("8BITMIME")) {
                // RFC 6152 section 3: a hop without 8BITMIME gets a 7-bit conversion, or the message bounces.
                try {
                    downgraded = downgrade(message);
                } catch (EightBitDowngrade.DowngradeException e) {
                    cache.give(t.key(), client);
                    return all(indexes, new Attempt(Outcome.FAILED, e.reply(), t.name()));
                }
                MailParameters p = envelope.parameters();
                envelope = new Envelope(envelope.reversePath(), new MailParameters(BodyType.SEVEN_BIT, p.smtputf8(),
                        p.declaredSize(), p.ret(), p.envid(), p.auth(), p.requireTls(), p.tlsOptional()),
                        envelope.recipients());
                source = MessageSource.of(downgraded);
            }
            TransactionResult result;
            try {
                result = client.send(envelope, source);
            } finally {
                if (downgraded != null) {
                    Files.deleteIfExists(downgraded);
                }
            }
            if (result.mailReply().isTransient()) {
                client.close();
                throw new HopFailure(result.mailReply()); // e.g. 421 or 451 at MAIL: another MX may do better
            }
            cache.give(t.key(), client);
            return settle(result, indexes, t.name(), client.capabilities().has("DSN"));
        } catch (SmtpClientException | IOException | UncheckedIOException e) {
            if (client != null) {
                client.close();
            }
            if (reused) {
                return attempt(t, message, indexes, false); // the cached connection had gone stale: once more
            }
            throw new HopFailure(SmtpReply.of(451, "4.4.1", t.name() + " ["
                    + t.address().getAddress().getHostAddress() + "]:" + t.address().getPort() + ": "
                    + oneLine(e.getMessage())));
        }
    }

    /**
     * What cannot go to this hop at all, decided before MAIL: an SMTPUTF8 message to a server without SMTPUTF8
     * fails for good (RFC 6531 section 3.4, 553 5.6.7), as Postfix does.
     */
    private static Map<Integer, Attempt> refuseWhatThisHopCannotTake(Capabilities caps, StoredMessage m,
                                                                  List<Integer> indexes, Target t) {
        if (m.envelope().parameters().smtputf8() && !caps.has("SMTPUTF8")) {
            return all(indexes, new Attempt(Outcome.FAILED, SmtpReply.of(553, "5.6.7",
                    "Message needs SMTPUTF8 but " + t.name() + " does not support it"), t.name()));
        }
        return null;
    }

    /** Connects, says EHLO, upgrades to TLS as the target's {@link TransportSecurity} says, authenticates. */
    private SmtpClient open(Target t) throws IOException, SmtpClientException, HopFailure {
        SmtpClient client = SmtpClient.connect(t.address(), SmtpClient.ClientSettings.defaults(remote.heloName()));
        try {
            boolean offered = client.ehlo().has("STARTTLS");
            boolean upgraded = switch (t.security()) {
                case TransportSecurity.Plaintext p -> false;
                case TransportSecurity.Opportunistic o -> offered && upgrade(client, unverified(t))
                        && reported(t); // RFC 8460 no-policy-found: a TLS session counts as a success
                case TransportSecurity.Encrypted e -> {
                    if (!offered) {
                        throw noStartTls(t, e.origin());
                    }
                    yield upgrade(client, unverified(t));
                }
                case TransportSecurity.Verified v -> verified(client, t, v, offered);
                case TransportSecurity.ReportOnly r -> reportOnly(client, t, r.check(), offered);
                case TransportSecurity.Refused r -> throw new HopFailure(r.reply());
            };
            if (upgraded) {
                client.ehlo();
            }
            if (t.auth()) {
                client.authPlain(smarthost.username().get(), smarthost.password().orElse(""), false);
            }
            return client;
        } catch (IOException | SmtpClientException | HopFailure | RuntimeException e) {
            client.quit();
            throw e;
        }
    }

    /**
     * STARTTLS that must succeed with a certificate {@code v.check()} accepts; otherwise this host is not used
     * and the next one is tried (RFC 8461 section 5, Q-16: never clear text, never the unverified session).
     */
    private boolean verified(SmtpClient client, Target t, TransportSecurity.Verified v, boolean offered)
            throws IOException, SmtpClientException, HopFailure {
        if (!offered) {
            report(t, ResultType.STARTTLS_NOT_SUPPORTED, "STARTTLS not offered");
            throw noStartTls(t, v.origin());
        }
        try {
            upgrade(client, socket -> v.check().handshake(socket, t.name(), t.address().getPort()));
        } catch (IOException e) {
            CertificateRejectedException rejected = CertificateRejectedException.in(e);
            if (rejected == null) {
                throw e; // not the certificate: a network failure, handled like any other
            }
            report(t, resultType(rejected), rejected.getMessage());
            throw new HopFailure(tlsFailure(v.origin(), t.name() + ": certificate refused: "
                    + oneLine(rejected.getMessage())), t.name());
        }
        reports.ifPresent(r -> t.report().ifPresent(r::success));
        return true;
    }

    /** TLS is required and the host does not offer STARTTLS: this host is not used (RFC 3207 section 4). */
    private static HopFailure noStartTls(Target t, TransportSecurity.Origin origin) {
        return new HopFailure(origin == TransportSecurity.Origin.CONFIGURED
                ? SmtpReply.of(451, "4.7.4", t.name() + " does not offer STARTTLS, which the TLS policy requires")
                : tlsFailure(origin, t.name() + " does not offer STARTTLS"), t.name());
    }

    /** MTA-STS testing (RFC 8461 section 5): the check runs and is reported, the session goes on regardless. */
    private boolean reportOnly(SmtpClient client, Target t, CertificateCheck check, boolean offered)
            throws IOException, SmtpClientException {
        if (!offered) {
            report(t, ResultType.STARTTLS_NOT_SUPPORTED, "STARTTLS not offered");
            return false;
        }
        List<CertificateRejectedException> rejected = new ArrayList<>();
        upgrade(client, socket -> check.reportingOnly(rejected::add).handshake(socket, t.name(),
                t.address().getPort()));
        if (rejected.isEmpty()) {
            reports.ifPresent(r -> t.report().ifPresent(r::success));
        } else {
            report(t, resultType(rejected.getFirst()), rejected.getFirst().getMessage());
        }
        return true;
    }

    /** Opportunistic TLS: any certificate (RFC 7435), SNI still sent. */
    private Handshake unverified(Target t) {
        return socket -> ClientTls.wrapClient(insecure, socket, t.name(), t.address().getPort(), false);
    }

    /** A TLS handshake: a function of the plain socket that returns the TLS one. */
    private interface Handshake {
        SSLSocket apply(Socket plain) throws IOException;
    }

    private static boolean upgrade(SmtpClient client, Handshake handshake) throws IOException, SmtpClientException {
        client.startTls(socket -> {
            try {
                return handshake.apply(socket);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return true;
    }

    private boolean reported(Target t) {
        reports.ifPresent(r -> t.report().ifPresent(r::success));
        return true;
    }

    private void report(Target t, ResultType type, String detail) {
        reports.ifPresent(r -> t.report().ifPresent(p -> r.failure(p, type, t.name(),
                t.address().getAddress().getHostAddress(), detail == null ? null : oneLine(detail))));
    }

    private static ResultType resultType(CertificateRejectedException e) {
        return switch (e.reason()) {
            case HOST_MISMATCH -> ResultType.CERTIFICATE_HOST_MISMATCH;
            case EXPIRED -> ResultType.CERTIFICATE_EXPIRED;
            case NOT_TRUSTED -> ResultType.CERTIFICATE_NOT_TRUSTED;
            case INVALID -> ResultType.VALIDATION_FAILURE;
            case TLSA_MISMATCH -> ResultType.TLSA_INVALID;
        };
    }

    /**
     * The reply when authenticated TLS could not be had: MTA-STS defers with 4.7.5 (RFC 8461 section 5: never a
     * permanent failure from one attempt); DANE too (RFC 7672 section 2.2: the host may be fixed before the queue
     * lifetime ends); REQUIRETLS fails with 5.7.10 (RFC 8689 section 4.2.1: an NDR when no host is left); a
     * configured policy defers with 4.7.5 too.
     */
    private static SmtpReply tlsFailure(TransportSecurity.Origin origin, String text) {
        return switch (origin) {
            case REQUIRETLS -> SmtpReply.of(550, "5.7.10", "REQUIRETLS: " + text);
            case MTA_STS -> SmtpReply.of(451, "4.7.5", text + " (MTA-STS policy)");
            case DANE -> SmtpReply.of(451, "4.7.5", text + " (DANE, RFC 7672)");
            case CONFIGURED -> SmtpReply.of(451, "4.7.5", text + " (TLS policy)");
        };
    }

    /** The 7-bit form of an 8-bit message, in a temporary file (a 50 MB message must not sit in the heap). */
    private static Path downgrade(StoredMessage message) throws IOException, EightBitDowngrade.DowngradeException {
        Path tmp = Files.createTempFile("mailroom-7bit-", ".eml");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            new EightBitDowngrade().downgrade(message::openContent, out);
            return tmp;
        } catch (IOException | EightBitDowngrade.DowngradeException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** Maps the transaction's replies onto recipient indexes: RCPT refusals, then the reply to the data. */
    private static Map<Integer, Attempt> settle(TransactionResult r, List<Integer> indexes, String host,
                                                boolean hopHasDsn) {
        Outcome relayed = hopHasDsn ? Outcome.RELAYED : Outcome.RELAYED_WITHOUT_DSN;
        Map<Integer, Attempt> out = new HashMap<>();
        for (int k = 0; k < indexes.size(); k++) {
            SmtpReply reply;
            if (!r.mailReply().isPositive()) {
                reply = r.mailReply();
            } else if (!r.recipientReplies().get(k).isPositive()) {
                reply = r.recipientReplies().get(k);
            } else if (r.dataReply() != null) {
                reply = r.dataReply();
            } else {
                reply = SmtpReply.of(451, "4.4.2", "Transaction with " + host + " ended before the data was accepted");
            }
            out.put(indexes.get(k), Attempt.of(reply, host, relayed));
        }
        return out;
    }

    private static Envelope subset(Envelope full, List<Integer> indexes) {
        List<Recipient> rs = new ArrayList<>();
        for (int i : indexes) {
            rs.add(full.recipients().get(i));
        }
        return new Envelope(full.reversePath(), full.parameters(), rs);
    }

    private static Map<Integer, Attempt> all(List<Integer> indexes, Attempt a) {
        Map<Integer, Attempt> out = new HashMap<>();
        for (int i : indexes) {
            out.put(i, a);
        }
        return out;
    }

    private static String oneLine(String s) {
        return s == null ? "connection failed" : s.replaceAll("[\\r\\n]+", " ");
    }

    private static MessageSource source(StoredMessage m) {
        return new MessageSource() {
            @Override
            public InputStream open() throws IOException {
                return m.openContent();
            }

            @Override
            public long size() {
                return m.size();
            }
        };
    }
}
