package dev.mailroom.delivery;

import dev.mailroom.smtp.SmtpReply;
import dev.mailroom.tls.CertificateCheck;

/**
 * How TLS must be used towards one next-hop host, as {@link SecurityPolicies} decides it from DANE, MTA-STS, the configured policy and the message's own demands (REQUIRETLS, TLS-Required: No). SmtpDelivery
 * applies it at STARTTLS; a new kind of policy is a new certificate check or a new case here, not a rewrite.
 */
public sealed interface TransportSecurity {

    /** Who asked for authenticated TLS: shapes the reply when it cannot be had. */
    enum Origin { CONFIGURED, MTA_STS, DANE, REQUIRETLS }

    /** A key for the connection cache: connections made under different rules are never shared. */
    String key();

    /** No STARTTLS at all ({@code tls = "none"}). */
    record Plaintext() implements TransportSecurity {
        @Override
        public String key() {
            return "plain";
        }
    }

    /** STARTTLS when offered, any certificate, clear text otherwise (RFC 7435). */
    record Opportunistic() implements TransportSecurity {
        @Override
        public String key() {
            return "opportunistic";
        }
    }

    /**
     * STARTTLS is mandatory, any certificate: {@code [relay] tls = "required"} without verify_certificate
     * (CONFIGURED), or a secure TLSA set without a usable record (DANE, RFC 7672 section 2.2).
     */
    record Encrypted(Origin origin) implements TransportSecurity {
        @Override
        public String key() {
            return "encrypted";
        }
    }

    /**
     * STARTTLS is mandatory and the certificate must pass {@code check}; otherwise this host is not used (RFC 8461
     * section 4.2, RFC 3207 section 4, Q-16: never a clear-text fallback).
     */
    record Verified(CertificateCheck check, Origin origin) implements TransportSecurity {
        @Override
        public String key() {
            return "verified-" + check.name();
        }
    }

    /**
     * STARTTLS and the certificate are checked and failures reported, but the message goes anyway (MTA-STS
     * "testing", RFC 8461 section 5).
     */
    record ReportOnly(CertificateCheck check) implements TransportSecurity {
        @Override
        public String key() {
            return "report-only-" + check.name();
        }
    }

    /**
     * This host must not be used at all, for {@code reply}: MTA-STS enforce and the MX is not in the policy, or its
     * TLSA records are bogus or could not be looked up (RFC 7672 section 2.1.1).
     */
    record Refused(SmtpReply reply) implements TransportSecurity {
        @Override
        public String key() {
            return "refused";
        }
    }
}
