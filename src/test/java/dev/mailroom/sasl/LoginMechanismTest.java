package dev.mailroom.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LoginMechanismTest {

    private final InMemoryCredentialStore store = new InMemoryCredentialStore().add("alice", "secret");

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String challengeText(SaslStep step) {
        assertThat(step).isInstanceOf(SaslStep.Challenge.class);
        return new String(((SaslStep.Challenge) step).data(), StandardCharsets.US_ASCII);
    }

    @Test
    void SASL_05_loginFlowSucceeds() throws Exception {
        SaslMechanism login = SaslMechanisms.create("LOGIN", store);
        assertThat(challengeText(login.step(null))).isEqualTo("Username:"); // 334 VXNlcm5hbWU6
        assertThat(challengeText(login.step(bytes("alice")))).isEqualTo("Password:"); // 334 UGFzc3dvcmQ6
        assertThat(login.step(bytes("secret"))).isEqualTo(new SaslStep.Success("alice"));
        assertThat(login.step(bytes("secret"))).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void AUTH_10_initialResponseIsTakenAsTheUsername() throws Exception {
        SaslMechanism login = SaslMechanisms.create("LOGIN", store);
        assertThat(challengeText(login.step(bytes("alice")))).isEqualTo("Password:");
        assertThat(login.step(bytes("secret"))).isEqualTo(new SaslStep.Success("alice"));
    }

    @Test
    void wrongPasswordFails() throws Exception {
        SaslMechanism login = SaslMechanisms.create("LOGIN", store);
        login.step(null);
        login.step(bytes("alice"));
        SaslStep step = login.step(bytes("nope-nope"));
        assertThat(step).isInstanceOf(SaslStep.Failure.class);
        assertThat(((SaslStep.Failure) step).reasonForLog()).doesNotContain("nope-nope");
    }

    @Test
    void SASL_04_lineBreakInUsernameFailsAtOnce() throws Exception {
        SaslMechanism login = SaslMechanisms.create("LOGIN", store);
        login.step(null);
        assertThat(login.step(bytes("alice\r\n250 ok"))).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void emptyPasswordFails() throws Exception {
        SaslMechanism login = SaslMechanisms.create("LOGIN", store);
        login.step(bytes("alice"));
        assertThat(login.step(new byte[0])).isInstanceOf(SaslStep.Failure.class);
    }
}
