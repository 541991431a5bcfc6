package dev.mailroom.sasl;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** A real (if tiny) credential store for mechanism tests: plain passwords, SCRAM keys derived from them. */
final class InMemoryCredentialStore implements CredentialStore {

    private final Map<String, String> passwords = new HashMap<>();
    private final Map<String, ScramCredentials> scram = new HashMap<>();
    boolean unavailable;

    InMemoryCredentialStore add(String user, String password) {
        passwords.put(user, password);
        return this;
    }

    InMemoryCredentialStore addScram(String user, ScramCredentials credentials) {
        scram.put(user, credentials);
        return this;
    }

    @Override
    public boolean verifyPassword(String username, String password) throws CredentialStoreUnavailableException {
        if (unavailable) {
            throw new CredentialStoreUnavailableException("down");
        }
        return password.equals(passwords.get(username));
    }

    @Override
    public Optional<ScramCredentials> scramSha256(String username) throws CredentialStoreUnavailableException {
        if (unavailable) {
            throw new CredentialStoreUnavailableException("down");
        }
        return Optional.ofNullable(scram.get(username));
    }
}
