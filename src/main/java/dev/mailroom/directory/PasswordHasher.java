package dev.mailroom.directory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Password hashes in Dovecot's scheme syntax: writes {@code {ARGON2ID}$argon2id$v=19$m=..,t=..,p=..$salt$hash}
 * (the PHC string format Dovecot uses), and verifies that plus {@code {BLF-CRYPT}} bcrypt hashes, so users
 * migrated from a Dovecot passwd-file keep working. Thread-safe.
 */
public final class PasswordHasher {

    public static final String ARGON2ID = "{ARGON2ID}";
    public static final String BLF_CRYPT = "{BLF-CRYPT}";

    private static final Pattern ARGON2ID_PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
    /** OpenBSD bcrypt: version, two-digit cost, 22 characters of salt and 31 of hash. */
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();

    private final Argon2Parameters parameters;

    public PasswordHasher(Argon2Parameters parameters) {
        this.parameters = parameters;
    }

    public PasswordHasher() {
        this(Argon2Parameters.DEFAULT);
    }

    public Argon2Parameters parameters() {
        return parameters;
    }

    /** A new Argon2id hash with a random 16-byte salt (RFC 9106 section 3.1 recommends 16 bytes). */
    public String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] hash = argon2id(password, salt, parameters, HASH_BYTES);
        return ARGON2ID + "$argon2id$v=19$m=" + parameters.memoryKiB() + ",t=" + parameters.iterations()
                + ",p=" + parameters.parallelism() + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** True if {@code stored} names a scheme this class can verify and is well formed. */
    public static boolean isSupported(String stored) {
        String upper = stored.toUpperCase(Locale.ROOT);
        if (upper.startsWith(ARGON2ID)) {
            return parseArgon2(stored.substring(ARGON2ID.length())) != null;
        }
        return upper.startsWith(BLF_CRYPT) && BCRYPT.matcher(stored.substring(BLF_CRYPT.length())).matches();
    }

    /** Checks a password against a stored hash; false for a wrong password or an unusable hash. */
    public boolean verify(String password, String stored) {
        String upper = stored.toUpperCase(Locale.ROOT);
        if (upper.startsWith(ARGON2ID)) {
            return verifyArgon2(password, stored.substring(ARGON2ID.length()));
        }
        if (upper.startsWith(BLF_CRYPT) && isSupported(stored)) {
            try {
                // OpenBSDBCrypt compares in constant time itself.
                return OpenBSDBCrypt.checkPassword(stored.substring(BLF_CRYPT.length()),
                        password.getBytes(StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                // BC throws IllegalArgumentException / DataLengthException for a bad cost or salt, or a
                // password over bcrypt's 72-byte limit: none of those is a match.
                return false;
            }
        }
        return false;
    }

    private static boolean verifyArgon2(String password, String phc) {
        Parsed parsed = parseArgon2(phc);
        if (parsed == null) {
            return false;
        }
        byte[] actual = argon2id(password, parsed.salt, parsed.parameters, parsed.hash.length);
        // Constant-time comparison: a timing difference would reveal how much of a guess's hash matched.
        return MessageDigest.isEqual(actual, parsed.hash);
    }

    private record Parsed(Argon2Parameters parameters, byte[] salt, byte[] hash) {
    }

    private static Parsed parseArgon2(String phc) {
        Matcher m = ARGON2ID_PHC.matcher(phc);
        if (!m.matches()) {
            return null;
        }
        try {
            Argon2Parameters p = new Argon2Parameters(
                    Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
            byte[] salt = Base64.getDecoder().decode(m.group(4));
            byte[] hash = Base64.getDecoder().decode(m.group(5));
            // RFC 9106 section 3.1: salt at least 8 bytes; tag at least 4 (we require 16 to be meaningful).
            if (salt.length < 8 || hash.length < 16 || hash.length > 64) {
                return null;
            }
            return new Parsed(p, salt, hash);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] argon2id(String password, byte[] salt, Argon2Parameters p, int length) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new org.bouncycastle.crypto.params.Argon2Parameters.Builder(
                org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_id)
                .withVersion(org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(p.memoryKiB())
                .withIterations(p.iterations())
                .withParallelism(p.parallelism())
                .withSalt(salt)
                .build());
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
