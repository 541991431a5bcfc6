package dev.mailroom.quota;

import dev.mailroom.directory.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a recipient address into a 64-bit HMAC-SHA256 under a key of this installation, so the usage journal
 * does not list who each user writes to: without the key, a copy of the journal cannot even confirm a guess.
 * The key is made on first start and kept next to the journal (mode 0600).
 */
final class RecipientHasher {
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    private RecipientHasher(byte[] key) {
        this.key = new SecretKeySpec(key, ALGORITHM);
    }

    /** The installation's key from {@code file}, made if there is none yet. */
    static RecipientHasher load(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            AtomicFiles.replace(file, (HexFormat.of().formatHex(fresh) + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        try {
            byte[] key = HexFormat.of().parseHex(text);
            if (key.length < 16) {
                throw new IllegalArgumentException("too short");
            }
            return new RecipientHasher(key);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a hexadecimal key of at least 16 octets; delete it to make a new one"
                    + " (every recipient then counts as new once more)");
        }
    }

    /** The address's hash: never 0 (RecipientMemory's empty slot). Addresses compare without regard to case. */
    long hash(String address) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            byte[] digest = mac.doFinal(address.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            long h = ByteBuffer.wrap(digest).getLong();
            return h == 0 ? 1 : h;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
