package dev.mailroom.directory;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Remembers recent SUCCESSFUL password checks, like Dovecot's auth cache, so a client that logs in for
 * every message does not pay a 19 MiB Argon2id run each time. Failures are never cached: caching them
 * would not slow an attacker and could lock in a "wrong" answer after a password change.
 * <p>
 * The key holds the password only as HMAC-SHA256 under a per-process random key, so a heap dump does not
 * reveal passwords and the MACs cannot be brute-forced offline without that key. The key also contains the
 * stored hash, so changing the password (a new hash) makes old entries unreachable at once.
 */
public final class AuthCache {

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(300);
    public static final int DEFAULT_MAX_ENTRIES = 10_000;

    private record Key(String user, String passwordMac, String storedHash) {
    }

    private final Duration ttl;
    private final int maxEntries;
    private final Clock clock;
    private final byte[] macKey = new byte[32];
    private final LinkedHashMap<Key, Instant> entries;

    public AuthCache() {
        this(DEFAULT_TTL, DEFAULT_MAX_ENTRIES, Clock.systemUTC());
    }

    public AuthCache(Duration ttl, int maxEntries, Clock clock) {
        if (ttl.isNegative() || maxEntries < 1) {
            throw new IllegalArgumentException("ttl must be >= 0 and maxEntries >= 1");
        }
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.clock = clock;
        new SecureRandom().nextBytes(macKey);
        // Insertion order: when full, the oldest success is evicted first (it would expire first anyway).
        this.entries = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Instant> eldest) {
                return size() > AuthCache.this.maxEntries;
            }
        };
    }

    /** True if this exact user, password and stored hash verified successfully within the TTL. */
    public boolean isCachedSuccess(String user, String password, String storedHash) {
        Key key = key(user, password, storedHash);
        synchronized (entries) {
            Instant expires = entries.get(key);
            if (expires == null) {
                return false;
            }
            if (!clock.instant().isBefore(expires)) {
                entries.remove(key);
                return false;
            }
            return true;
        }
    }

    /** Record a successful verification. Call only after the real hash check succeeded. */
    public void putSuccess(String user, String password, String storedHash) {
        Key key = key(user, password, storedHash);
        synchronized (entries) {
            entries.remove(key); // re-insert at the young end
            entries.put(key, clock.instant().plus(ttl));
        }
    }

    /** Drop every entry (e.g. on an admin's request after a security incident). */
    public void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    private Key key(String user, String password, String storedHash) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
            byte[] digest = mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
            return new Key(user, Base64.getEncoder().encodeToString(digest), storedHash);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is mandatory in every JDK", e);
        }
    }
}
