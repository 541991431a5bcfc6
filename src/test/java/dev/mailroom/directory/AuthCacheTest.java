package dev.mailroom.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthCacheTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private final AuthCache cache = new AuthCache(Duration.ofSeconds(300), 3, clock);

    @Test
    void hitMissAndExpiry() {
        assertThat(cache.isCachedSuccess("alice", "pw", "H1")).isFalse();
        cache.putSuccess("alice", "pw", "H1");
        assertThat(cache.isCachedSuccess("alice", "pw", "H1")).isTrue();
        assertThat(cache.isCachedSuccess("alice", "pw2", "H1")).isFalse();
        assertThat(cache.isCachedSuccess("alice", "pw", "H2")).isFalse(); // another stored hash
        assertThat(cache.isCachedSuccess("bob", "pw", "H1")).isFalse();
        clock.advance(Duration.ofSeconds(300));
        assertThat(cache.isCachedSuccess("alice", "pw", "H1")).isFalse();
        assertThat(cache.size()).isZero();
    }

    @Test
    void boundedSize_evictsOldest() {
        cache.putSuccess("a", "pw", "H");
        cache.putSuccess("b", "pw", "H");
        cache.putSuccess("c", "pw", "H");
        cache.putSuccess("d", "pw", "H");
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.isCachedSuccess("a", "pw", "H")).isFalse();
        assertThat(cache.isCachedSuccess("d", "pw", "H")).isTrue();
    }

    @Test
    void cachingStore_cachesSuccessesOnly_andAPasswordChangeInvalidates() throws Exception {
        Path p = dir.resolve("users");
        Files.write(p, List.of("# users"));
        UsersFile users = new UsersFile(p, new PasswordHasher(new Argon2Parameters(64, 1, 1)), clock);
        users.add("alice", "old-pass", Set.of(), Set.of());
        CachingCredentialStore store = new CachingCredentialStore(users, cache);

        assertThat(store.verifyPassword("alice", "wrong")).isFalse();
        assertThat(store.verifyPassword("nobody", "wrong")).isFalse();
        assertThat(cache.size()).isZero(); // failures are never cached

        assertThat(store.verifyPassword("alice", "old-pass")).isTrue();
        assertThat(cache.size()).isEqualTo(1);
        String oldHash = users.find("alice").orElseThrow().passwordHash();
        assertThat(cache.isCachedSuccess("alice", "old-pass", oldHash)).isTrue();
        assertThat(store.verifyPassword("alice", "old-pass")).isTrue(); // served from the cache

        users.setPassword("alice", "new-pass");
        assertThat(store.verifyPassword("alice", "old-pass")).isFalse(); // the old entry's hash no longer matches
        assertThat(store.verifyPassword("alice", "new-pass")).isTrue();
        assertThat(store.scramSha256("alice")).isPresent();
    }
}
