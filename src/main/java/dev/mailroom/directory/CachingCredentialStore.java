package dev.mailroom.directory;

import dev.mailroom.sasl.CredentialStore;
import dev.mailroom.sasl.CredentialStoreUnavailableException;
import dev.mailroom.sasl.ScramCredentials;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link UsersFile} with an {@link AuthCache} in front of password verification. SCRAM lookups pass
 * straight through: the server side of SCRAM costs only a few HMACs.
 */
public final class CachingCredentialStore implements CredentialStore {

    private final UsersFile users;
    private final AuthCache cache;
    private final ReentrantLock[] stripes = new ReentrantLock[64];

    public CachingCredentialStore(UsersFile users, AuthCache cache) {
        this.users = users;
        this.cache = cache;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    @Override
    public boolean verifyPassword(String username, String password) throws CredentialStoreUnavailableException {
        Optional<User> user = users.find(username);
        if (user.isEmpty()) {
            return users.verifyPassword(username, password); // keeps the unknown-user timing (AUTH-13)
        }
        // The hash we check against is the one in the key, so a concurrent password change cannot make us
        // cache a success under the new hash that was verified against the old one.
        String hash = user.get().passwordHash();
        if (cache.isCachedSuccess(username, password, hash)) {
            return true;
        }
        // Many sessions of one user logging in at once (a mail client opening several connections, a
        // restart with a full queue of clients) would each pay the memory-hard hash; one pays it, the
        // others wait for it and then find the cached success.
        ReentrantLock lock = stripes[Math.floorMod(username.hashCode(), stripes.length)];
        lock.lock();
        try {
            if (cache.isCachedSuccess(username, password, hash)) {
                return true;
            }
            boolean ok = users.verify(user.get(), password);
            if (ok) {
                cache.putSuccess(username, password, hash);
            }
            return ok;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<ScramCredentials> scramSha256(String username) throws CredentialStoreUnavailableException {
        return users.scramSha256(username);
    }
}
