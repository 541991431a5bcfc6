package dev.mailroom.sasl;

/**
 * The credential back end cannot answer right now (file unreadable, directory down). Distinct from
 * "wrong password" so the SMTP engine can send a temporary 454 4.7.0 instead of 535 (RFC 4954 section 6,
 * AUTH-14): the client should retry later rather than tell the user the password is wrong.
 */
public class CredentialStoreUnavailableException extends Exception {

    public CredentialStoreUnavailableException(String message) {
        super(message);
    }

    public CredentialStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
