package dev.mailroom.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SaslMechanismsTest {

    private final CredentialStore store = new InMemoryCredentialStore();

    @Test
    void supportedMechanismsCanAllBeCreated() {
        assertThat(SaslMechanisms.supported()).containsExactly("PLAIN", "LOGIN", "SCRAM-SHA-256");
        for (String name : SaslMechanisms.supported()) {
            assertThat(SaslMechanisms.create(name, store).name()).isEqualTo(name);
        }
    }

    @Test
    void AUTH_07_unknownMechanismIsNull() {
        assertThat(SaslMechanisms.create("CRAM-MD5", store)).isNull();
        assertThat(SaslMechanisms.create("SCRAM-SHA-256-PLUS", store)).isNull();
        assertThat(SaslMechanisms.create(null, store)).isNull();
    }

    @Test
    void AUTH_22_noAnonymous() {
        assertThat(SaslMechanisms.supported()).doesNotContain("ANONYMOUS");
        assertThat(SaslMechanisms.create("ANONYMOUS", store)).isNull();
    }
}
