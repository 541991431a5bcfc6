package dev.mailroom.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Fuzz targets for the decoded client messages of PLAIN (RFC 4616), LOGIN and SCRAM-SHA-256 (RFC 5802). A
 * mechanism may only answer with a {@link SaslStep}: no exception escapes, a failure's log reason never
 * carries CR, LF or NUL (SASL-04), success needs the right password, and a finished exchange stays
 * finished. An input holds the client's responses separated by the octet 0xFF (never valid UTF-8, so no
 * acceptable field needs it); an input that starts with 0xFF sends no initial response. Corpus under
 * {@code SaslFuzzTestInputs/<method>/}; longer runs: README, Tests.
 */
class SaslFuzzTest {

    // RFC 7677 section 3: user "user", password "pencil", salt and server nonce of the example.
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    private static final InMemoryCredentialStore STORE = new InMemoryCredentialStore()
            .add("user", "pencil")
            .addScram("user", ScramCredentials.derive("pencil", SALT, 4096));

    @FuzzTest(maxDuration = "10m")
    void plain(byte[] input) throws CredentialStoreUnavailableException {
        exchange(new PlainMechanism(STORE), input);
    }

    @FuzzTest(maxDuration = "10m")
    void login(byte[] input) throws CredentialStoreUnavailableException {
        exchange(new LoginMechanism(STORE), input);
    }

    @FuzzTest(maxDuration = "10m")
    void scram(byte[] input) throws CredentialStoreUnavailableException {
        exchange(new ScramSha256Mechanism(STORE, SERVER_NONCE), input);
    }

    private static void exchange(SaslMechanism mechanism, byte[] input) throws CredentialStoreUnavailableException {
        List<byte[]> responses = responses(input);
        for (byte[] response : responses) {
            SaslStep step = mechanism.step(response);
            switch (step) {
                case SaslStep.Challenge c -> assertThat(c.data()).isNotNull();
                case SaslStep.Success s -> {
                    // The only credentials in the store: nothing else may ever succeed.
                    assertThat(s.authenticatedUser()).isEqualTo("user");
                    assertFinished(mechanism);
                    return;
                }
                case SaslStep.Failure f -> {
                    assertThat(f.reasonForLog()).doesNotContain("\r", "\n", "\0");
                    assertFinished(mechanism);
                    return;
                }
            }
        }
        String attempted = mechanism.attemptedUser();
        if (attempted != null) {
            assertThat(attempted).doesNotContain("\r", "\n", "\0");
        }
    }

    /** After success or failure every further response fails (SaslMechanism's contract). */
    private static void assertFinished(SaslMechanism mechanism) throws CredentialStoreUnavailableException {
        assertThat(mechanism.step(new byte[0])).isInstanceOf(SaslStep.Failure.class);
        assertThat(mechanism.step(null)).isInstanceOf(SaslStep.Failure.class);
    }

    private static List<byte[]> responses(byte[] input) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= input.length; i++) {
            if (i == input.length || input[i] == (byte) 0xFF) {
                byte[] part = Arrays.copyOfRange(input, start, i);
                out.add(out.isEmpty() && part.length == 0 && i < input.length ? null : part);
                start = i + 1;
            }
        }
        return out;
    }
}
