package dev.mailroom.delivery;

import dev.mailroom.dane.DaneCheck;
import dev.mailroom.dane.DanePolicy;
import dev.mailroom.dane.DaneResolver;
import dev.mailroom.delivery.RelaySettings.TlsPolicy;
import dev.mailroom.delivery.TransportSecurity.Origin;
import dev.mailroom.dns.TargetHost;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.sts.MtaSts;
import dev.mailroom.sts.PolicyFetcher;
import dev.mailroom.sts.StsPolicy;
import dev.mailroom.tls.CertificateCheck;
import dev.mailroom.tlsrpt.ReportPolicy;
import dev.mailroom.tlsrpt.ResultType;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides how TLS must be used towards each next hop, in the order RFC 7672 section 2.2 and RFC 8461 section 2
 * set: DANE (it wins over everything) &gt; MTA-STS &gt; the configured {@code [delivery] tls} and
 * {@code [delivery.tls_policy]} &gt; opportunistic. The message can tighten that (REQUIRETLS: verified TLS to an
 * authenticated MX or nothing) or loosen it ({@code TLS-Required: No}: MTA-STS and DANE are not applied, RFC 8689
 * section 4.2.2). A stricter configured policy is never weakened by an MTA-STS policy in testing mode.
 */
public final class SecurityPolicies {
    private final RemoteSettings remote;
    private final CertificateCheck webPki;
    private final CertificateCheck smarthostPki;
    private final Optional<MtaSts> mtaSts;
    private final Optional<DaneResolver> dane;

    /** Without DANE. */
    public SecurityPolicies(RemoteSettings remote, CertificateCheck webPki, CertificateCheck smarthostPki,
                            Optional<MtaSts> mtaSts) {
        this(remote, webPki, smarthostPki, mtaSts, Optional.empty());
    }

    /**
     * @param webPki       PKIX with the host name, for MX hosts and static routes ({@code [delivery] trusted_ca})
     * @param smarthostPki the same for the smarthost ({@code [relay] trusted_ca})
     * @param mtaSts       policy discovery, when enabled
     * @param dane         TLSA lookups, when DNS answers are DNSSEC-validated ({@code [dns] dnssec})
     */
    public SecurityPolicies(RemoteSettings remote, CertificateCheck webPki, CertificateCheck smarthostPki,
                            Optional<MtaSts> mtaSts, Optional<DaneResolver> dane) {
        this.remote = remote;
        this.webPki = webPki;
        this.smarthostPki = smarthostPki;
        this.mtaSts = mtaSts;
        this.dane = dane;
    }

    /**
     * What applies to the MX hosts of {@code domain} for one message.
     *
     * @param perHost       the rule for each MX host; it may look up TLSA records, so ask when the host is about to
     *                      be tried (RFC 7672 section 2.2.1: MX order, and no lookups for hosts never tried)
     * @param policyFailure an announced MTA-STS policy that could not be used, to report
     */
    public record ForDomain(Function<TargetHost, ForHost> perHost, Optional<PolicyFetcher.Result.Failed> policyFailure) {
    }

    /**
     * The rule for one MX host.
     *
     * @param report      the policy to name in TLS reports (sts, tlsa or no-policy-found)
     * @param tlsaProblem a DANE policy failure to report once the host is tried (RFC 8460 section 4.3.2)
     */
    public record ForHost(TransportSecurity security, ReportPolicy report, Optional<TlsaProblem> tlsaProblem) {
        static ForHost of(TransportSecurity security, ReportPolicy report) {
            return new ForHost(security, report, Optional.empty());
        }
    }

    /** Why the TLSA records of a host could not be used as published: tlsa-invalid or dnssec-invalid. */
    public record TlsaProblem(ResultType type, String detail) {
    }

    public ForDomain forMx(String domain, MessageTls need) {
        TlsPolicy configured = remote.tlsFor(domain);
        if (need == MessageTls.TLS_OPTIONAL) {
            // RFC 8689 section 4.2.2: MTA-STS and DANE failures are ignored; the site's own policy still holds.
            return new ForDomain(host -> ForHost.of(configured(configured, need, domain, host), ReportPolicy.none(domain)),
                    Optional.empty());
        }
        ForDomain withoutDane = withoutDane(domain, configured, need);
        if (dane.isEmpty()) {
            return withoutDane;
        }
        return new ForDomain(host -> underDane(dane.get(), domain, host, need, withoutDane.perHost()),
                withoutDane.policyFailure());
    }

    /** MTA-STS when the domain has a policy, else the configured policy. */
    private ForDomain withoutDane(String domain, TlsPolicy configured, MessageTls need) {
        ReportPolicy none = ReportPolicy.none(domain);
        if (mtaSts.isEmpty()) {
            return new ForDomain(host -> ForHost.of(configured(configured, need, domain, host), none), Optional.empty());
        }
        return switch (mtaSts.get().lookup(domain)) {
            case MtaSts.Lookup.Policy(StsPolicy p) -> {
                ReportPolicy report = new ReportPolicy(ReportPolicy.STS, domain, p.lines(),
                        p.mx().stream().map(Object::toString).toList());
                yield new ForDomain(host -> ForHost.of(underSts(p, host, configured, need, domain), report),
                        Optional.empty());
            }
            case MtaSts.Lookup.NoPolicy(var failure) ->
                    new ForDomain(host -> ForHost.of(configured(configured, need, domain, host), none), failure);
        };
    }

    /**
     * DANE first (RFC 7672 section 2.2): a secure TLSA set decides, and neither MTA-STS nor the configured policy
     * can relax it (RFC 8461 section 2, STS-06); only where DANE does not apply does {@code otherwise} decide.
     */
    private ForHost underDane(DaneResolver resolver, String domain, TargetHost host, MessageTls need,
                              Function<TargetHost, ForHost> otherwise) {
        boolean requireTls = need == MessageTls.REQUIRE_TLS;
        ReportPolicy tlsaReport = new ReportPolicy(ReportPolicy.TLSA, domain, List.of(), List.of(host.name()));
        return switch (resolver.policyFor(domain, host, remote.mxPort())) {
            // RFC 8689 section 4.2.1: a DANE-validated certificate is an authenticated one.
            case DanePolicy.Verify v -> ForHost.of(new TransportSecurity.Verified(new DaneCheck(v.tlsa()),
                            requireTls ? Origin.REQUIRETLS : Origin.DANE),
                    new ReportPolicy(ReportPolicy.TLSA, domain,
                            v.tlsa().records().stream().map(Object::toString).toList(), List.of(host.name())));
            // REQUIRETLS still wants an authenticated certificate, which without usable records is PKIX's to give.
            case DanePolicy.EncryptOnly e -> new ForHost(requireTls
                    ? new TransportSecurity.Verified(webPki, Origin.REQUIRETLS)
                    : new TransportSecurity.Encrypted(Origin.DANE), tlsaReport,
                    Optional.of(new TlsaProblem(ResultType.TLSA_INVALID, e.reason())));
            // RFC 7672 section 2.1.1: never downgrade past a TLSA lookup that failed or was forged.
            case DanePolicy.Unavailable u -> new ForHost(new TransportSecurity.Refused(u.failureReply()), tlsaReport,
                    Optional.of(new TlsaProblem(ResultType.DNSSEC_INVALID, u.reason())));
            case DanePolicy.NotApplicable n -> otherwise.apply(host);
        };
    }

    /** A static route's host: only the configured policy (its name does not come from the recipient's DNS). */
    public TransportSecurity forRoute(String host, MessageTls need) {
        return fixedHost(remote.tlsFor(host), webPki, need);
    }

    /** The smarthost: {@code [relay] tls} and {@code verify_certificate}. */
    public TransportSecurity forSmarthost(RelaySettings relay, MessageTls need) {
        if (need != MessageTls.REQUIRE_TLS && relay.tls() == TlsPolicy.REQUIRED && !relay.verifyCertificate()) {
            return new TransportSecurity.Encrypted(Origin.CONFIGURED);
        }
        return fixedHost(relay.tls(), smarthostPki, need);
    }

    private static TransportSecurity fixedHost(TlsPolicy policy, CertificateCheck check, MessageTls need) {
        if (need == MessageTls.REQUIRE_TLS) {
            return new TransportSecurity.Verified(check, Origin.REQUIRETLS); // RFC 8689 section 4.2.1
        }
        return switch (policy) {
            case NONE -> new TransportSecurity.Plaintext();
            case OPPORTUNISTIC -> new TransportSecurity.Opportunistic();
            case REQUIRED -> new TransportSecurity.Verified(check, Origin.CONFIGURED);
        };
    }

    private TransportSecurity underSts(StsPolicy p, TargetHost host, TlsPolicy configured, MessageTls need,
                                       String domain) {
        boolean listed = p.allows(host.name());
        if (p.mode() == StsPolicy.Mode.ENFORCE || need == MessageTls.REQUIRE_TLS) {
            if (!listed) {
                // RFC 8461 section 4.1 (enforce) and RFC 8689 section 4.2.1 (the MX must be validated by MTA-STS).
                return new TransportSecurity.Refused(need == MessageTls.REQUIRE_TLS
                        ? SmtpReply.of(550, "5.7.10", "REQUIRETLS: " + host.name()
                        + " is not an MX host in the MTA-STS policy of " + domain)
                        : SmtpReply.of(451, "4.7.5", host.name() + " is not an MX host in the MTA-STS policy of "
                        + domain));
            }
            return new TransportSecurity.Verified(webPki,
                    need == MessageTls.REQUIRE_TLS ? Origin.REQUIRETLS : Origin.MTA_STS);
        }
        if (configured == TlsPolicy.REQUIRED) {
            return new TransportSecurity.Verified(webPki, Origin.CONFIGURED);
        }
        return new TransportSecurity.ReportOnly(webPki); // testing: RFC 8461 section 5, deliver and report
    }

    /**
     * No MTA-STS policy: the configured one. REQUIRETLS accepts as MX validation a DNSSEC-secure MX host or a
     * configured "required"; the certificate must then pass PKIX.
     */
    private TransportSecurity configured(TlsPolicy configured, MessageTls need, String domain, TargetHost host) {
        if (need == MessageTls.REQUIRE_TLS) {
            if (configured != TlsPolicy.REQUIRED && !host.secure()) {
                // RFC 8689 section 4.2.1: without DNSSEC or MTA-STS nothing vouches for the MX host names.
                return new TransportSecurity.Refused(SmtpReply.of(550, "5.7.10", "REQUIRETLS: the MX hosts of " + domain
                        + " cannot be authenticated (no MTA-STS policy, no DNSSEC)"));
            }
            return new TransportSecurity.Verified(webPki, Origin.REQUIRETLS);
        }
        return switch (configured) {
            case NONE -> new TransportSecurity.Plaintext();
            case OPPORTUNISTIC -> new TransportSecurity.Opportunistic();
            case REQUIRED -> new TransportSecurity.Verified(webPki, Origin.CONFIGURED);
        };
    }
}
