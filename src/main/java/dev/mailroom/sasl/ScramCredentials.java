package dev.mailroom.sasl;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * What a SCRAM-SHA-256 server stores per user (RFC 5802 section 3): never the password, only
 * {@code StoredKey = H(ClientKey)} and {@code ServerKey}, with the salt and iteration count.
 * Text form is Dovecot's: {@code {SCRAM-SHA-256}iterations,b64salt,b64storedkey,b64serverkey}.
 */
public record ScramCredentials(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

    public static final String SCHEME_PREFIX = "{SCRAM-SHA-256}";
    /** RFC 7677 section 4: the iteration count SHOULD be at least 4096 (SASL-06). */
    public static final int MIN_ITERATIONS = 4096;

    public ScramCredentials {
        if (iterations < 1) {
            throw new IllegalArgumentException("iteration count must be positive");
        }
        if (salt.length == 0) {
            throw new IllegalArgumentException("empty salt");
        }
        if (storedKey.length != ScramCrypto.KEY_LENGTH || serverKey.length != ScramCrypto.KEY_LENGTH) {
            throw new IllegalArgumentException("StoredKey and ServerKey must be 32 bytes (SHA-256)");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /**
     * Compute the stored credentials from a password (RFC 5802 section 3). The password is SASLprep'd first,
     * as a SCRAM client does (RFC 5802 section 2.2 Normalize), so both sides derive the same SaltedPassword.
     */
    public static ScramCredentials derive(String password, byte[] salt, int iterations) {
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("iteration count below " + MIN_ITERATIONS + " (RFC 7677 section 4)");
        }
        byte[] normalized = SaslPrep.prepare(password).getBytes(StandardCharsets.UTF_8);
        byte[] saltedPassword = ScramCrypto.hi(normalized, salt, iterations);
        byte[] clientKey = ScramCrypto.hmac(saltedPassword, "Client Key");
        byte[] serverKey = ScramCrypto.hmac(saltedPassword, "Server Key");
        return new ScramCredentials(iterations, salt, ScramCrypto.sha256(clientKey), serverKey);
    }

    /** Dovecot's form, e.g. {@code {SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,...}. */
    public String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        return SCHEME_PREFIX + iterations + "," + b64.encodeToString(salt) + ","
                + b64.encodeToString(storedKey) + "," + b64.encodeToString(serverKey);
    }

    /** @throws IllegalArgumentException if the text is not in the form {@link #encode()} writes */
    public static ScramCredentials parse(String text) {
        if (!text.toUpperCase(Locale.ROOT).startsWith(SCHEME_PREFIX)) {
            throw new IllegalArgumentException("missing " + SCHEME_PREFIX + " prefix");
        }
        String[] parts = text.substring(SCHEME_PREFIX.length()).split(",", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("expected iterations,salt,storedkey,serverkey");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iteration count is not a number");
        }
        Base64.Decoder b64 = Base64.getDecoder();
        return new ScramCredentials(iterations, b64.decode(parts[1]), b64.decode(parts[2]), b64.decode(parts[3]));
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramCredentials c && iterations == c.iterations && Arrays.equals(salt, c.salt)
                && Arrays.equals(storedKey, c.storedKey) && Arrays.equals(serverKey, c.serverKey);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(storedKey) + iterations;
    }

    /** Keys are password-equivalent for a server impersonator (RFC 5802 section 9): keep them out of logs. */
    @Override
    public String toString() {
        return "ScramCredentials[iterations=" + iterations + ", keys redacted]";
    }
}
