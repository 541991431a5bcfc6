package dev.mailroom.delivery;

import dev.mailroom.delivery.RelaySettings.TlsPolicy;
import dev.mailroom.delivery.TransportSecurity.Origin;
import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.sts.MtaSts;
import dev.mailroom.sts.PolicyFetcher;
import dev.mailroom.sts.StsPolicy;
import dev.mailroom.tls.CertificateCheck;
import dev.mailroom.tlsrpt.ReportPolicy;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides how TLS must be used towards each next hop, in the order RFC 7672 section 2.2 and RFC 8461 section 2
 * set: DANE (to come; it wins over everything) &gt; MTA-STS &gt; the configured {@code [delivery] tls} and
 * {@code [delivery.tls_policy]} &gt; opportunistic. The message can tighten that (REQUIRETLS: verified TLS to an
 * authenticated MX or nothing) or loosen it ({@code TLS-Required: No}: MTA-STS and DANE are not applied, RFC 8689
 * section 4.2.2). A stricter configured policy is never weakened by an MTA-STS policy in testing mode.
 */
public final class SecurityPolicies {
    private final RemoteSettings remote;
    private final CertificateCheck webPki;
    private final CertificateCheck smarthostPki;
    private final Optional<MtaSts> mtaSts;

    /**
     * @param webPki       PKIX with the host name, for MX hosts and static routes ({@code [delivery] trusted_ca})
     * @param smarthostPki the same for the smarthost ({@code [relay] trusted_ca})
     * @param mtaSts       policy discovery, when enabled
     */
    public SecurityPolicies(RemoteSettings remote, CertificateCheck webPki, CertificateCheck smarthostPki,
                            Optional<MtaSts> mtaSts) {
        this.remote = remote;
        this.webPki = webPki;
        this.smarthostPki = smarthostPki;
        this.mtaSts = mtaSts;
    }

    /**
     * What applies to the MX hosts of {@code domain} for one message.
     *
     * @param perHost       the rule for each MX host name
     * @param reportPolicy  the policy to name in TLS reports (sts or no-policy-found)
     * @param policyFailure an announced MTA-STS policy that could not be used, to report
     */
    public record ForDomain(Function<String, TransportSecurity> perHost, ReportPolicy reportPolicy,
                            Optional<PolicyFetcher.Result.Failed> policyFailure) {
    }

    public ForDomain forMx(String domain, MessageTls need) {
        TlsPolicy configured = remote.tlsFor(domain);
        ReportPolicy none = ReportPolicy.none(domain);
        if (need == MessageTls.TLS_OPTIONAL || mtaSts.isEmpty()) {
            // RFC 8689 section 4.2.2: MTA-STS and DANE failures are ignored; the site's own policy still holds.
            return new ForDomain(host -> configured(configured, need, domain), none, Optional.empty());
        }
        return switch (mtaSts.get().lookup(domain)) {
            case MtaSts.Lookup.Policy(StsPolicy p) -> {
                ReportPolicy report = new ReportPolicy(ReportPolicy.STS, domain, p.lines(),
                        p.mx().stream().map(Object::toString).toList());
                yield new ForDomain(host -> underSts(p, host, configured, need, domain), report, Optional.empty());
            }
            case MtaSts.Lookup.NoPolicy(var failure) ->
                    new ForDomain(host -> configured(configured, need, domain), none, failure);
        };
    }

    /** A static route's host: only the configured policy (its name does not come from the recipient's DNS). */
    public TransportSecurity forRoute(String host, MessageTls need) {
        return fixedHost(remote.tlsFor(host), webPki, need);
    }

    /** The smarthost: {@code [relay] tls} and {@code verify_certificate}. */
    public TransportSecurity forSmarthost(RelaySettings relay, MessageTls need) {
        if (need != MessageTls.REQUIRE_TLS && relay.tls() == TlsPolicy.REQUIRED && !relay.verifyCertificate()) {
            return new TransportSecurity.Encrypted();
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

    private TransportSecurity underSts(StsPolicy p, String host, TlsPolicy configured, MessageTls need, String domain) {
        boolean listed = p.allows(host);
        if (p.mode() == StsPolicy.Mode.ENFORCE || need == MessageTls.REQUIRE_TLS) {
            if (!listed) {
                // RFC 8461 section 4.1 (enforce) and RFC 8689 section 4.2.1 (the MX must be validated by MTA-STS).
                return new TransportSecurity.Refused(need == MessageTls.REQUIRE_TLS
                        ? SmtpReply.of(550, "5.7.10", "REQUIRETLS: " + host + " is not an MX host in the MTA-STS policy of "
                        + domain)
                        : SmtpReply.of(451, "4.7.5", host + " is not an MX host in the MTA-STS policy of " + domain));
            }
            return new TransportSecurity.Verified(webPki,
                    need == MessageTls.REQUIRE_TLS ? Origin.REQUIRETLS : Origin.MTA_STS);
        }
        if (configured == TlsPolicy.REQUIRED) {
            return new TransportSecurity.Verified(webPki, Origin.CONFIGURED);
        }
        return new TransportSecurity.ReportOnly(webPki); // testing: RFC 8461 section 5, deliver and report
    }

    /** No MTA-STS policy: the configured one; REQUIRETLS accepts only a configured "required" as MX validation. */
    private TransportSecurity configured(TlsPolicy configured, MessageTls need, String domain) {
        if (need == MessageTls.REQUIRE_TLS) {
            if (configured != TlsPolicy.REQUIRED) {
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
