package dev.mailroom.sasl;

import java.util.Optional;

/**
 * LOGIN (draft-murchison-sasl-login-00): obsolete but still sent by many clients. Server-first: the
 * server prompts {@code Username:} then {@code Password:} (section 2.2 allows these prompts, SASL-05).
 */
final class LoginMechanism implements SaslMechanism {
    @Override
    public String attemptedUser() {
        return username;
    }


    private static final byte[] USERNAME_PROMPT = SaslText.ascii("Username:");
    private static final byte[] PASSWORD_PROMPT = SaslText.ascii("Password:");

    private enum State { START, WANT_USERNAME, WANT_PASSWORD, DONE }

    private final CredentialStore store;
    private State state = State.START;
    private String username;

    LoginMechanism(CredentialStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "LOGIN";
    }

    @Override
    public SaslStep step(byte[] response) throws CredentialStoreUnavailableException {
        return switch (state) {
            case START -> {
                if (response == null) {
                    state = State.WANT_USERNAME;
                    yield new SaslStep.Challenge(USERNAME_PROMPT);
                }
                // Interop decision (AUTH-10, requirements section 14): LOGIN is server-first, so RFC 4954
                // would answer an initial response with 501; Outlook and others send the username as one
                // anyway, so we accept it as the username rather than break those clients.
                yield acceptUsername(response);
            }
            case WANT_USERNAME -> acceptUsername(response);
            case WANT_PASSWORD -> checkPassword(response);
            case DONE -> new SaslStep.Failure("LOGIN: exchange already finished");
        };
    }

    private SaslStep acceptUsername(byte[] response) {
        Optional<String> name = field(response);
        if (name.isEmpty()) {
            return fail("LOGIN: username empty, too long, not UTF-8, or contains CR/LF/NUL");
        }
        username = name.get();
        state = State.WANT_PASSWORD;
        return new SaslStep.Challenge(PASSWORD_PROMPT);
    }

    private SaslStep checkPassword(byte[] response) throws CredentialStoreUnavailableException {
        state = State.DONE;
        Optional<String> password = field(response);
        if (password.isEmpty()) {
            return new SaslStep.Failure("LOGIN: password empty, too long, not UTF-8, or contains CR/LF/NUL");
        }
        if (store.verifyPassword(username, password.get())) {
            return new SaslStep.Success(username);
        }
        return new SaslStep.Failure("LOGIN: invalid credentials for '" + username + "'");
    }

    /** Same field rules as PLAIN (RFC 4616 section 2 limits, SASL-04), since both carry the same data. */
    private static Optional<String> field(byte[] response) {
        if (response == null || response.length == 0 || response.length > SaslText.MAX_FIELD_OCTETS) {
            return Optional.empty();
        }
        return SaslText.utf8(response).filter(s -> !SaslText.hasLineBreakOrNul(s));
    }

    private SaslStep fail(String reason) {
        state = State.DONE;
        return new SaslStep.Failure(reason);
    }
}
