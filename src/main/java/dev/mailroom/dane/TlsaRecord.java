package dev.mailroom.dane;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.bouncycastle.asn1.x509.Certificate;
import org.xbill.DNS.TLSARecord;

/**
 * One TLSA record's data (RFC 6698 section 2.1): certificate usage, selector, matching type and the certificate
 * association data, with the symbolic names of RFC 7218.
 *
 * @param usage        0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE
 * @param selector     0 the full certificate (Cert), 1 its SubjectPublicKeyInfo (SPKI)
 * @param matchingType 0 the selected bytes themselves (Full), 1 their SHA-256, 2 their SHA-512
 * @param data         the certificate association data (never shared: copied in and out)
 */
public record TlsaRecord(int usage, int selector, int matchingType, byte[] data) {
    public static final int PKIX_TA = 0;
    public static final int PKIX_EE = 1;
    public static final int DANE_TA = 2;
    public static final int DANE_EE = 3;
    public static final int SELECTOR_CERT = 0;
    public static final int SELECTOR_SPKI = 1;
    public static final int MATCH_FULL = 0;
    public static final int MATCH_SHA256 = 1;
    public static final int MATCH_SHA512 = 2;

    public TlsaRecord {
        for (int field : new int[] {usage, selector, matchingType}) {
            if (field < 0 || field > 255) {
                throw new IllegalArgumentException("TLSA fields are octets (RFC 6698 section 2.1), got " + field);
            }
        }
        data = data.clone();
    }

    /** The record as dnsjava read it from DNS. */
    public static TlsaRecord of(TLSARecord r) {
        return new TlsaRecord(r.getCertificateUsage(), r.getSelector(), r.getMatchingType(), r.getCertificateAssociationData());
    }

    /**
     * The presentation format of RFC 6698 section 2.2, as in a zone file: {@code "3 1 1 2b0f…"}; the hex data may be
     * split by white space.
     *
     * @throws IllegalArgumentException with the reason when the text is not a TLSA record's data
     */
    public static TlsaRecord parse(String text) {
        String[] parts = text.strip().split("\\s+", 4);
        if (parts.length < 4) {
            throw new IllegalArgumentException("a TLSA record is usage, selector, matching type and data: " + text);
        }
        try {
            return new TlsaRecord(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                    HexFormat.of().parseHex(parts[3].replaceAll("\\s+", "")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a TLSA record: " + text + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /**
     * Whether an SMTP client can use the record (RFC 7672 section 3.1): DANE-TA(2) or DANE-EE(3), a known selector
     * and matching type, and data of the right length for a digest. PKIX-TA(0) and PKIX-EE(1) are unusable here, as
     * RFC 7672 section 3.1.3 permits: MX hosts are not found by a name the sender can vouch for, so a public CA adds
     * nothing a TLSA record would not already say.
     */
    public boolean usable() {
        if (usage != DANE_TA && usage != DANE_EE) {
            return false;
        }
        if (selector != SELECTOR_CERT && selector != SELECTOR_SPKI) {
            return false;
        }
        return switch (matchingType) {
            case MATCH_FULL -> data.length > 0;
            case MATCH_SHA256 -> data.length == 32;
            case MATCH_SHA512 -> data.length == 64;
            default -> false;
        };
    }

    /**
     * Whether the certificate, or its public key, is the one the record describes (RFC 6698 section 2.1.2-2.1.3):
     * the selected DER bytes, hashed as the matching type says, equal the data. Usage is not considered here.
     */
    public boolean matches(X509Certificate cert) {
        if (!usable()) {
            return false;
        }
        byte[] selected;
        try {
            // The SPKI exactly as the certificate encodes it, not as the JDK would re-encode the key.
            selected = selector == SELECTOR_CERT ? cert.getEncoded()
                    : Certificate.getInstance(cert.getEncoded()).getSubjectPublicKeyInfo().getEncoded();
        } catch (CertificateEncodingException | IOException | IllegalArgumentException e) {
            return false; // a certificate that cannot be encoded matches nothing
        }
        byte[] computed = switch (matchingType) {
            case MATCH_SHA256 -> digest("SHA-256", selected);
            case MATCH_SHA512 -> digest("SHA-512", selected);
            default -> selected;
        };
        return MessageDigest.isEqual(computed, data);
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has " + algorithm, e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsaRecord t && usage == t.usage && selector == t.selector
                && matchingType == t.matchingType && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * usage + selector) + matchingType) + Arrays.hashCode(data);
    }

    /** The presentation format, {@code "3 1 1 2b0f…"} (lower-case hex). */
    @Override
    public String toString() {
        return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(data).toLowerCase(Locale.ROOT);
    }
}
