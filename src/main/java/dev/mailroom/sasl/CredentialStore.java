package dev.mailroom.sasl;

import java.util.Optional;

/** Where SASL mechanisms check credentials; implemented by {@code dev.mailroom.directory}. */
public interface CredentialStore {

    /**
     * True if the password is right; false for a wrong password OR an unknown user, so that callers cannot
     * tell the two apart (AUTH-13: same reply, and implementations should keep the same timing).
     */
    boolean verifyPassword(String username, String password) throws CredentialStoreUnavailableException;

    /** SCRAM-SHA-256 stored credentials (RFC 5802 section 3); empty for an unknown user or one without them. */
    Optional<ScramCredentials> scramSha256(String username) throws CredentialStoreUnavailableException;
}
