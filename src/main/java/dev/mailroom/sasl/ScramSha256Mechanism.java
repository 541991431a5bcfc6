package dev.mailroom.sasl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * SCRAM-SHA-256 server (RFC 5802 with SHA-256 per RFC 7677), without channel binding: we do not advertise
 * SCRAM-SHA-256-PLUS. SMTP has no "success with additional data" (RFC 4954 section 4), so the server-final
 * {@code v=} goes out as a challenge and the client's empty answer completes the exchange (SASL-06).
 */
final class ScramSha256Mechanism implements SaslMechanism {
    private String attempted;

    @Override
    public String attemptedUser() {
        return attempted;
    }


    private static final SecureRandom RANDOM = new SecureRandom();
    /** Keys the fake salts of unknown users; per process so salts cannot be precomputed or compared across hosts. */
    private static final byte[] FAKE_SALT_SECRET = randomBytes(32);
    private static final int FAKE_ITERATIONS = ScramCredentials.MIN_ITERATIONS;
    private static final int NONCE_BYTES = 18;

    private enum State { START, CHALLENGED, SENT_SERVER_FIRST, SENT_SERVER_FINAL, DONE }

    private final CredentialStore store;
    private final String serverNonce;
    private State state = State.START;
    private ScramMessages.ClientFirst clientFirst;
    private String serverFirst;
    private ScramCredentials credentials;
    private boolean knownUser;

    ScramSha256Mechanism(CredentialStore store) {
        this(store, newNonce());
    }

    /** For tests: a fixed server nonce part, to replay the RFC 7677 section 3 example. */
    ScramSha256Mechanism(CredentialStore store, String serverNonce) {
        if (!ScramMessages.isPrintableNonce(serverNonce)) {
            throw new IllegalArgumentException("nonce must be printable ASCII without ','");
        }
        this.store = store;
        this.serverNonce = serverNonce;
    }

    @Override
    public String name() {
        return "SCRAM-SHA-256";
    }

    @Override
    public SaslStep step(byte[] response) throws CredentialStoreUnavailableException {
        return switch (state) {
            case START -> {
                if (response == null) {
                    // Client-first mechanism (RFC 4422 section 3.3): empty challenge asks for client-first.
                    state = State.CHALLENGED;
                    yield new SaslStep.Challenge(new byte[0]);
                }
                yield onClientFirst(response);
            }
            case CHALLENGED -> response == null ? fail("SCRAM: no client-first message") : onClientFirst(response);
            case SENT_SERVER_FIRST -> onClientFinal(response);
            case SENT_SERVER_FINAL -> onAcknowledgement(response);
            case DONE -> new SaslStep.Failure("SCRAM: exchange already finished");
        };
    }

    private SaslStep onClientFirst(byte[] response) throws CredentialStoreUnavailableException {
        Optional<String> text = SaslText.utf8(response);
        if (text.isEmpty()) {
            return fail("SCRAM: client-first is not valid UTF-8"); // RFC 5802 section 5.1
        }
        ScramMessages.Parsed<ScramMessages.ClientFirst> parsed = ScramMessages.clientFirst(text.get());
        if (parsed.error() != null) {
            return fail(parsed.error());
        }
        clientFirst = parsed.value();
        if (clientFirst.username().getBytes(StandardCharsets.UTF_8).length > SaslText.MAX_FIELD_OCTETS) {
            return fail("SCRAM: username longer than 255 octets");
        }
        attempted = clientFirst.username();
        Optional<ScramCredentials> stored = store.scramSha256(clientFirst.username());
        knownUser = stored.isPresent();
        // AUTH-13: an unknown user gets a salt and iteration count indistinguishable from a real one, and
        // stable across attempts, so the server-first message does not reveal whether the account exists.
        credentials = stored.orElseGet(() -> fakeCredentials(clientFirst.username()));
        serverFirst = "r=" + clientFirst.clientNonce() + serverNonce
                + ",s=" + Base64.getEncoder().encodeToString(credentials.salt())
                + ",i=" + credentials.iterations();
        state = State.SENT_SERVER_FIRST;
        return new SaslStep.Challenge(SaslText.ascii(serverFirst));
    }

    private SaslStep onClientFinal(byte[] response) {
        Optional<String> text = response == null ? Optional.empty() : SaslText.utf8(response);
        if (text.isEmpty()) {
            return fail("SCRAM: missing or non-UTF-8 client-final");
        }
        ScramMessages.Parsed<ScramMessages.ClientFinal> parsed = ScramMessages.clientFinal(
                text.get(), clientFirst.gs2Header(), clientFirst.clientNonce() + serverNonce);
        if (parsed.error() != null) {
            return fail(parsed.error() + " (user '" + clientFirst.username() + "')");
        }
        // RFC 5802 section 3: AuthMessage = client-first-bare "," server-first "," client-final-without-proof
        String authMessage = clientFirst.bare() + "," + serverFirst + "," + parsed.value().withoutProof();
        byte[] clientSignature = ScramCrypto.hmac(credentials.storedKey(), authMessage);
        byte[] clientKey = ScramCrypto.xor(parsed.value().proof(), clientSignature);
        // RFC 5802 section 3: the server verifies H(ClientKey) == StoredKey; constant time, so the timing
        // does not reveal how many leading bytes of a forged proof were right.
        boolean proofOk = MessageDigest.isEqual(ScramCrypto.sha256(clientKey), credentials.storedKey());
        if (!proofOk || !knownUser) {
            // Same reason text for both cases, like PLAIN, whose store cannot tell them apart either.
            return fail("SCRAM: invalid credentials for '" + clientFirst.username() + "'");
        }
        byte[] serverSignature = ScramCrypto.hmac(credentials.serverKey(), authMessage);
        state = State.SENT_SERVER_FINAL;
        return new SaslStep.Challenge(SaslText.ascii("v=" + Base64.getEncoder().encodeToString(serverSignature)));
    }

    private SaslStep onAcknowledgement(byte[] response) {
        // RFC 4954 section 4: after the v= challenge the client sends an empty response.
        if (response == null || response.length != 0) {
            return fail("SCRAM: expected an empty response after server-final");
        }
        state = State.DONE;
        return new SaslStep.Success(clientFirst.username());
    }

    private SaslStep fail(String reason) {
        state = State.DONE;
        return new SaslStep.Failure(reason);
    }

    private static ScramCredentials fakeCredentials(String username) {
        byte[] salt = Arrays.copyOf(ScramCrypto.hmac(FAKE_SALT_SECRET, username), 16);
        // Random keys: no proof can match them, and the unknownUser flag fails the exchange regardless.
        byte[] stored = new byte[ScramCrypto.KEY_LENGTH];
        byte[] server = new byte[ScramCrypto.KEY_LENGTH];
        RANDOM.nextBytes(stored);
        RANDOM.nextBytes(server);
        return new ScramCredentials(FAKE_ITERATIONS, salt, stored, server);
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** RFC 5802 section 5.1 "r": the nonce must be unpredictable; 18 random bytes, base64 (no ','). */
    private static String newNonce() {
        byte[] bytes = new byte[NONCE_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
