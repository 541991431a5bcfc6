package dev.mailroom.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PlainMechanismTest {

    private final InMemoryCredentialStore store = new InMemoryCredentialStore()
            .add("tim", "tanstaaftanstaaf")
            .add("Kurt", "xipj3plmq")
            .add("alice", "secret");

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private SaslStep plain(String message) throws Exception {
        return SaslMechanisms.create("PLAIN", store).step(bytes(message));
    }

    @Test
    void rfc4616Example_noAuthzid_succeeds() throws Exception {
        // RFC 4616 section 4, first example: "\0tim\0tanstaaftanstaaf"
        assertThat(plain("\0tim\0tanstaaftanstaaf")).isEqualTo(new SaslStep.Success("tim"));
    }

    @Test
    void SASL_02_rfc4616Example_authzidDifferentFromAuthcidFails() throws Exception {
        // RFC 4616 section 4, second example: Kurt acting as Ursel; we configure no delegation.
        assertThat(plain("Ursel\0Kurt\0xipj3plmq")).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_02_authzidEqualToAuthcidIsAccepted_andLoginIsTheAuthcid() throws Exception {
        assertThat(plain("Kurt\0Kurt\0xipj3plmq")).isEqualTo(new SaslStep.Success("Kurt"));
    }

    @Test
    void wrongPasswordAndUnknownUserFail() throws Exception {
        assertThat(plain("\0tim\0wrong")).isInstanceOf(SaslStep.Failure.class);
        assertThat(plain("\0nobody\0tanstaaftanstaaf")).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_01_emptyPasswordOrAuthcidFails() throws Exception {
        store.add("", "x");
        assertThat(plain("\0tim\0")).isInstanceOf(SaslStep.Failure.class);
        assertThat(plain("\0\0x")).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_01_wrongFieldCountFails() throws Exception {
        assertThat(plain("tim\0tanstaaftanstaaf")).isInstanceOf(SaslStep.Failure.class);
        assertThat(plain("\0tim\0tanstaaftanstaaf\0")).isInstanceOf(SaslStep.Failure.class);
        assertThat(plain("")).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_01_passwordOf255OctetsIsAccepted_256IsNot() throws Exception {
        String p255 = "p".repeat(255);
        String p256 = "p".repeat(256);
        store.add("long", p255).add("longer", p256);
        assertThat(plain("\0long\0" + p255)).isEqualTo(new SaslStep.Success("long"));
        assertThat(plain("\0longer\0" + p256)).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_04_crOrLfInsideFieldsFail_andTheReasonDoesNotEchoThem() throws Exception {
        store.add("a\r\n250 x", "pw");
        SaslStep authcid = plain("\0a\r\n250 x\0pw");
        SaslStep password = plain("\0alice\0sec\nret");
        SaslStep authzid = plain("a\rb\0alice\0secret");
        for (SaslStep step : new SaslStep[] {authcid, password, authzid}) {
            assertThat(step).isInstanceOf(SaslStep.Failure.class);
            assertThat(((SaslStep.Failure) step).reasonForLog()).doesNotContain("\r", "\n", "secret", "pw");
        }
    }

    @Test
    void invalidUtf8Fails() throws Exception {
        byte[] message = {0, 'a', 'l', 'i', 'c', 'e', 0, (byte) 0xC3, (byte) 0x28};
        assertThat(SaslMechanisms.create("PLAIN", store).step(message)).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void failureReasonNeverContainsThePassword() throws Exception {
        SaslStep step = plain("\0alice\0hunter2-wrong");
        assertThat(((SaslStep.Failure) step).reasonForLog()).contains("alice").doesNotContain("hunter2");
    }

    @Test
    void noInitialResponse_givesEmptyChallenge_thenAcceptsTheMessage() throws Exception {
        SaslMechanism plain = SaslMechanisms.create("plain", store);
        SaslStep first = plain.step(null);
        assertThat(first).isInstanceOf(SaslStep.Challenge.class);
        assertThat(((SaslStep.Challenge) first).data()).isEmpty();
        assertThat(plain.step(bytes("\0alice\0secret"))).isEqualTo(new SaslStep.Success("alice"));
        assertThat(plain.step(bytes("\0alice\0secret"))).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void emptyInitialResponseFails() throws Exception {
        assertThat(SaslMechanisms.create("PLAIN", store).step(new byte[0])).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void AUTH_14_storeUnavailablePropagates() {
        store.unavailable = true;
        assertThatThrownBy(() -> plain("\0alice\0secret")).isInstanceOf(CredentialStoreUnavailableException.class);
    }
}
