package dev.mailroom.dane;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/** The DNS names a server certificate presents, and whether one of them names a host (RFC 7672 section 3.2.3). */
final class ServerNames {
    private static final int DNS_NAME = 2; // GeneralName dNSName (RFC 5280 section 4.2.1.6)

    private ServerNames() {
    }

    /**
     * The certificate's DNS-IDs (subjectAltName dNSName); only when it has none, its subject's common names
     * (RFC 7672 section 3.2.3 allows the CN-ID as a fall-back, as RFC 6125 section 6.4.4 describes).
     */
    static List<String> presented(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(DNS_NAME).equals(san.get(0)) && san.get(1) instanceof String s) {
                        names.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return List.of(); // an unparsable extension names nothing
        }
        if (!names.isEmpty()) {
            return names;
        }
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        for (RDN rdn : subject.getRDNs(BCStyle.CN)) {
            names.add(IETFUtils.valueToString(rdn.getFirst().getValue()));
        }
        return names;
    }

    /**
     * Whether a presented name matches a reference name, ignoring case and a final dot. A wildcard is only a whole
     * left-most label, {@code *.example.com}, and stands for exactly one label: it matches {@code mx.example.com},
     * neither {@code example.com} nor {@code a.mx.example.com} (RFC 7672 section 3.2.3, RFC 6125 section 6.4.3).
     */
    static boolean matches(String presented, String reference) {
        String p = normalize(presented);
        String r = normalize(reference);
        if (p.isEmpty() || r.isEmpty()) {
            return false;
        }
        if (!p.startsWith("*.")) {
            return p.indexOf('*') < 0 && p.equals(r);
        }
        String suffix = p.substring(1); // ".example.com"
        if (suffix.indexOf('*') >= 0 || suffix.indexOf('.', 1) < 0) {
            return false; // one wildcard only, and never for a single-label (top-level) suffix
        }
        int firstDot = r.indexOf('.');
        return firstDot > 0 && r.substring(firstDot).equals(suffix);
    }

    private static String normalize(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
