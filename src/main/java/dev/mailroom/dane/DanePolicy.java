package dev.mailroom.dane;

import dev.mailroom.dns.DnssecStatus;
import dev.mailroom.smtp.SmtpReply;

/**
 * What DANE asks of the connection to one MX host (RFC 7672 section 2.2), the four outcomes of DANE-02:
 * <pre>{@code
 * switch (dane.policyFor(domain, host, port)) {
 *     case DanePolicy.Verify v -> tls(v.tlsa().sslContext(), v.tlsa().baseDomain()); // STARTTLS required
 *     case DanePolicy.EncryptOnly e -> tls(insecure, host.name());                    // STARTTLS required
 *     case DanePolicy.NotApplicable n -> asWithoutDane();                             // opportunistic, MTA-STS
 *     case DanePolicy.Unavailable u -> skipHost(u.failureReply());                    // next MX, else defer
 * }
 * }</pre>
 * Whatever must be encrypted is never sent in clear: a host that does not offer STARTTLS, or whose handshake or
 * certificate check fails, is skipped like an unreachable one, and when no host is left the message is deferred
 * with {@link #tlsFailureReply}.
 */
public sealed interface DanePolicy {

    /** Whether the connection must be TLS (never plaintext, RFC 7672 section 2.2). */
    boolean tlsRequired();

    /**
     * The reply a recipient is deferred with when TLS was required and could not be had with {@code host}: no
     * STARTTLS, a failed handshake, a certificate the records do not authenticate. X.7.5 is "cryptographic failure"
     * (RFC 3463); 4xx because the host may be fixed before the queue lifetime ends (RFC 7672 section 2.2).
     */
    default SmtpReply tlsFailureReply(String host, String problem) {
        return SmtpReply.of(451, "4.7.5", oneLine(host + ": " + problem + " (DANE, RFC 7672)"));
    }

    /**
     * A secure TLSA RRset with usable records: TLS is required and the server certificate must be authenticated
     * by {@link TlsaSet#trustManager()}, with SNI set to {@link TlsaSet#baseDomain()} (RFC 7672 section 8.1).
     */
    record Verify(TlsaSet tlsa) implements DanePolicy {
        @Override
        public boolean tlsRequired() {
            return true;
        }
    }

    /**
     * A secure TLSA RRset of which no record is usable (only PKIX-TA/PKIX-EE, unknown parameters): TLS is still
     * required, since the domain said it has TLS, but the certificate is not checked (RFC 7672 section 2.2).
     */
    record EncryptOnly(String reason) implements DanePolicy {
        @Override
        public boolean tlsRequired() {
            return true;
        }
    }

    /**
     * DANE does not apply: the MX or address records were not secure, or there are no TLSA records, or they are
     * not secure. TLS as without DANE, opportunistic unless another policy (MTA-STS, configuration) says more
     * (RFC 7672 section 2.2).
     */
    record NotApplicable(String reason) implements DanePolicy {
        @Override
        public boolean tlsRequired() {
            return false;
        }
    }

    /**
     * The TLSA lookup failed ({@link DnssecStatus#INDETERMINATE}) or was forged ({@link DnssecStatus#BOGUS}): the
     * host must not be used at all, not even with opportunistic TLS, since the failure might be an attack on the
     * records that would have required authentication (RFC 7672 section 2.1.1). The next MX host is tried; if none
     * is left, the recipients are deferred with {@link #failureReply()}.
     */
    record Unavailable(DnssecStatus status, String reason) implements DanePolicy {
        @Override
        public boolean tlsRequired() {
            return true;
        }

        /** X.4.3 "directory server failure" (RFC 3463), DNS being the directory, as for any failed MX lookup. */
        public SmtpReply failureReply() {
            return SmtpReply.of(451, "4.4.3", oneLine(reason));
        }
    }

    private static String oneLine(String text) {
        return text.replace('\r', ' ').replace('\n', ' ');
    }
}
