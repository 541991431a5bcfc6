package dev.mailroom.dane;

import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The usable records of one secure TLSA RRset and the names a DANE-TA(2) certificate must carry.
 *
 * @param baseDomain     the TLSA base domain (RFC 7672 section 2.2.3): the MX host name the records were found
 *                       under; the client sends it as SNI (RFC 7672 section 8.1)
 * @param referenceNames the names a DANE-TA(2) server certificate may match (RFC 7672 section 3.2.2): the base
 *                       domain first, then the next-hop domain; lower case, no final dot
 * @param records        the usable records (DANE-TA and DANE-EE); never empty
 */
public record TlsaSet(String baseDomain, List<String> referenceNames, List<TlsaRecord> records) {
    public TlsaSet {
        baseDomain = normalize(baseDomain);
        referenceNames = referenceNames.stream().map(TlsaSet::normalize).distinct().toList();
        records = List.copyOf(records);
        if (records.isEmpty() || records.stream().anyMatch(r -> !r.usable())) {
            throw new IllegalArgumentException("a TLSA set holds at least one record, each usable: " + records);
        }
        if (!referenceNames.contains(baseDomain)) {
            throw new IllegalArgumentException("the TLSA base domain must be a reference name: " + baseDomain);
        }
    }

    /** A trust manager that accepts exactly the certificate chains these records authenticate. */
    public DaneTrustManager trustManager() {
        return new DaneTrustManager(this);
    }

    /**
     * A client TLS context for one connection to the host: {@link #trustManager()} decides, and nothing else
     * (no system CAs). Use it without the JDK's host name check and with SNI set to {@link #baseDomain()}, e.g.
     * {@code SmtpClient.tls(set.sslContext(), set.baseDomain(), false)}.
     */
    public SSLContext sslContext() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustManager()}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS client context: " + e.getMessage(), e);
        }
    }

    private static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
