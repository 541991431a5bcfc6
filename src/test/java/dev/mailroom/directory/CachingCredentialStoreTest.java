package dev.mailroom.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachingCredentialStoreTest {
    @TempDir
    Path dir;

    @Test
    void concurrentLoginsOfOneUserPayForTheHashOnce() throws Exception {
        UsersFile users = new UsersFile(dir.resolve("users"), new PasswordHasher(new Argon2Parameters(4096, 1, 1)));
        users.add("alice@example.com", "pw", Set.of(), Set.of());
        CachingCredentialStore store = new CachingCredentialStore(users, new AuthCache(Duration.ofMinutes(5), 100, Clock.systemUTC()));
        long before = users.hashVerifications();
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 32; i++) {
                results.add(pool.submit(() -> store.verifyPassword("alice@example.com", "pw")));
            }
        }
        for (Future<Boolean> f : results) {
            assertThat(f.get()).isTrue();
        }
        assertThat(users.hashVerifications() - before).isEqualTo(1);
    }

    @Test
    void wrongPasswordsAreCheckedEveryTimeAndNeverCached() throws Exception {
        UsersFile users = new UsersFile(dir.resolve("users"), new PasswordHasher(new Argon2Parameters(1024, 1, 1)));
        users.add("bob@example.com", "right", Set.of(), Set.of());
        CachingCredentialStore store = new CachingCredentialStore(users, new AuthCache(Duration.ofMinutes(5), 100, Clock.systemUTC()));
        long before = users.hashVerifications();
        for (int i = 0; i < 3; i++) {
            assertThat(store.verifyPassword("bob@example.com", "wrong")).isFalse();
        }
        assertThat(users.hashVerifications() - before).isEqualTo(3);
    }
}
