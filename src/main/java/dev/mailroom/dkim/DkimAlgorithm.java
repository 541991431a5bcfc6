package dev.mailroom.dkim;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;

/**
 * The two signing algorithms: rsa-sha256 (RFC 6376 section 3.3.1; rsa-sha1 is never used, RFC 8301 section 3.1,
 * DKIM-02) and ed25519-sha256 (RFC 8463, DKIM-04).
 */
public enum DkimAlgorithm {
    RSA_SHA256("rsa-sha256", "rsa", "RSA") {
        @Override
        byte[] sign(PrivateKey key, byte[] headerData) throws GeneralSecurityException {
            // RFC 6376 section 3.3.1: RSASSA-PKCS1-v1_5 over the SHA-256 hash of the header data.
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(headerData);
            return s.sign();
        }
    },
    ED25519_SHA256("ed25519-sha256", "ed25519", "Ed25519") {
        @Override
        byte[] sign(PrivateKey key, byte[] headerData) throws GeneralSecurityException {
            // RFC 8463 section 3: PureEdDSA Ed25519 over the SHA-256 hash of the header data (not over the data).
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(MessageDigest.getInstance("SHA-256").digest(headerData));
            return s.sign();
        }
    };

    private final String tag;
    private final String keyType;
    private final String jcaKeyAlgorithm;

    DkimAlgorithm(String tag, String keyType, String jcaKeyAlgorithm) {
        this.tag = tag;
        this.keyType = keyType;
        this.jcaKeyAlgorithm = jcaKeyAlgorithm;
    }

    /** The value of the a= tag. */
    public String tag() {
        return tag;
    }

    /** The k= value of the DNS key record (RFC 6376 section 3.6.1), also the configuration's name. */
    public String keyType() {
        return keyType;
    }

    /** The JCA name of the key algorithm ({@link java.security.Key#getAlgorithm()}). */
    String jcaKeyAlgorithm() {
        return jcaKeyAlgorithm;
    }

    /** The b= value before base64: the signature of the canonicalized header data (RFC 6376 section 3.7). */
    abstract byte[] sign(PrivateKey key, byte[] headerData) throws GeneralSecurityException;

    /** "rsa" or "ed25519", as the configuration and the keygen command name them. */
    public static DkimAlgorithm ofKeyType(String keyType) {
        for (DkimAlgorithm a : values()) {
            if (a.keyType.equals(keyType)) {
                return a;
            }
        }
        throw new IllegalArgumentException("must be rsa or ed25519, got " + keyType);
    }
}
