package dev.mailroom.dkim;

import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;

/** The DNS TXT record that publishes a public key (RFC 6376 section 3.6.1, RFC 8463 section 4). */
public final class DnsKeyRecord {
    /** RFC 1035 section 3.3: one character-string holds at most 255 octets. */
    private static final int STRING_LIMIT = 255;
    /** The SubjectPublicKeyInfo of an Ed25519 key is this long; the raw key is its last 32 octets (RFC 8410). */
    private static final int ED25519_SPKI_LENGTH = 44;

    private DnsKeyRecord() {
    }

    /**
     * The record's text: {@code v=DKIM1; k=rsa; p=} base64 of the SubjectPublicKeyInfo for RSA, or {@code k=ed25519}
     * and base64 of the 32-octet raw key for Ed25519 (RFC 8463 section 4, DKIM-04).
     */
    public static String text(DkimAlgorithm algorithm, PublicKey key) {
        byte[] spki = key.getEncoded();
        byte[] p = spki;
        if (algorithm == DkimAlgorithm.ED25519_SHA256) {
            if (spki.length != ED25519_SPKI_LENGTH) {
                throw new IllegalArgumentException("not an Ed25519 public key");
            }
            p = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        }
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + Base64.getEncoder().encodeToString(p);
    }

    /** RFC 6376 section 3.1: selector = sub-domain *( "." sub-domain ), sub-domain as in RFC 5321. */
    public static boolean isValidSelector(String selector) {
        return selector.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    }

    /** The DNS name of a selector's key (RFC 6376 section 3.6.2.1), with the final dot. */
    public static String name(String selector, String domain) {
        return selector + "._domainkey." + domain + ".";
    }

    /**
     * One master-file line (RFC 1035 section 5.1) for a zone: the text cut into quoted strings of at most 255 octets,
     * which DNS clients join again (RFC 6376 section 3.6.2.2).
     */
    public static String masterFileLine(String selector, String domain, String text) {
        StringBuilder sb = new StringBuilder(name(selector, domain)).append(" IN TXT");
        for (int i = 0; i < text.length(); i += STRING_LIMIT) {
            sb.append(" \"").append(text, i, Math.min(text.length(), i + STRING_LIMIT)).append('"');
        }
        return sb.toString();
    }
}
