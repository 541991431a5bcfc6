package dev.mailroom.sasl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ScramSha256MechanismTest {

    // RFC 7677 section 3: user "user", password "pencil", and the exchanged messages.
    private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");

    private final InMemoryCredentialStore store = new InMemoryCredentialStore()
            .addScram("user", ScramCredentials.derive("pencil", SALT, 4096));

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(SaslStep step) {
        assertThat(step).isInstanceOf(SaslStep.Challenge.class);
        return new String(((SaslStep.Challenge) step).data(), StandardCharsets.UTF_8);
    }

    private ScramSha256Mechanism rfcServer() {
        return new ScramSha256Mechanism(store, SERVER_NONCE);
    }

    @Test
    void SASL_06_rfc7677Example() throws Exception {
        ScramSha256Mechanism server = rfcServer();
        assertThat(text(server.step(bytes(CLIENT_FIRST)))).isEqualTo(SERVER_FIRST);
        assertThat(text(server.step(bytes(CLIENT_FINAL)))).isEqualTo(SERVER_FINAL);
        assertThat(server.step(new byte[0])).isEqualTo(new SaslStep.Success("user"));
    }

    @Test
    void SASL_06_rfc7677Example_withoutInitialResponse() throws Exception {
        ScramSha256Mechanism server = rfcServer();
        assertThat(((SaslStep.Challenge) server.step(null)).data()).isEmpty();
        assertThat(text(server.step(bytes(CLIENT_FIRST)))).isEqualTo(SERVER_FIRST);
        assertThat(text(server.step(bytes(CLIENT_FINAL)))).isEqualTo(SERVER_FINAL);
        assertThat(server.step(new byte[0])).isEqualTo(new SaslStep.Success("user"));
    }

    @Test
    void SASL_06_tamperedProofFails() throws Exception {
        ScramSha256Mechanism server = rfcServer();
        server.step(bytes(CLIENT_FIRST));
        String tampered = CLIENT_FINAL.replace("p=dHzb", "p=dHzc");
        assertThat(server.step(bytes(tampered))).isInstanceOf(SaslStep.Failure.class);
        assertThat(server.step(new byte[0])).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_06_wrongPasswordFails() throws Exception {
        store.addScram("user", ScramCredentials.derive("not-pencil", SALT, 4096));
        ScramSha256Mechanism server = rfcServer();
        assertThat(text(server.step(bytes(CLIENT_FIRST)))).isEqualTo(SERVER_FIRST);
        assertThat(server.step(bytes(CLIENT_FINAL))).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_06_mandatoryExtensionFails() throws Exception {
        SaslStep step = rfcServer().step(bytes("n,,m=ext,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        assertThat(step).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_06_badUsernameEscapeFails() throws Exception {
        assertThat(rfcServer().step(bytes("n,,n=us=2Ber,r=abc"))).isInstanceOf(SaslStep.Failure.class);
        assertThat(rfcServer().step(bytes("n,,n=user=,r=abc"))).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void goodUsernameEscapesAreDecoded() throws Exception {
        store.addScram("a,b=c", ScramCredentials.derive("pencil", SALT, 4096));
        String first = text(rfcServer().step(bytes("n,,n=a=2Cb=3Dc,r=abc")));
        assertThat(first).startsWith("r=abc" + SERVER_NONCE + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    }

    @Test
    void SASL_06_nonceMismatchFails() throws Exception {
        ScramSha256Mechanism server = rfcServer();
        server.step(bytes(CLIENT_FIRST));
        String otherNonce = CLIENT_FINAL.replace("k0,p=", "k1,p=");
        assertThat(server.step(bytes(otherNonce))).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_06_channelBindingDataMustMatchTheGs2Header() throws Exception {
        ScramSha256Mechanism server = rfcServer();
        server.step(bytes(CLIENT_FIRST));
        String yHeader = CLIENT_FINAL.replace("c=biws", "c=eSws"); // base64("y,,") although client sent "n,,"
        assertThat(server.step(bytes(yHeader))).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void SASL_07_channelBindingRequestFails_yFlagIsAcceptedWithoutPlus() throws Exception {
        assertThat(rfcServer().step(bytes("p=tls-exporter,,n=user,r=abc"))).isInstanceOf(SaslStep.Failure.class);
        assertThat(rfcServer().step(bytes("y,,n=user,r=abc"))).isInstanceOf(SaslStep.Challenge.class);
    }

    @Test
    void SASL_02_authzidDifferentFromUserFails() throws Exception {
        assertThat(rfcServer().step(bytes("n,a=admin,n=user,r=abc"))).isInstanceOf(SaslStep.Failure.class);
        assertThat(rfcServer().step(bytes("n,a=user,n=user,r=abc"))).isInstanceOf(SaslStep.Challenge.class);
    }

    @Test
    void AUTH_13_unknownUserLooksLikeAKnownOneUntilTheFinalFailure() throws Exception {
        String first = text(rfcServer().step(bytes("n,,n=ghost,r=rOprNGfwEbeRWgbNEkqO")));
        String again = text(rfcServer().step(bytes("n,,n=ghost,r=rOprNGfwEbeRWgbNEkqO")));
        // Same shape as a real user's server-first, and a stable salt, so repeated probes reveal nothing.
        assertThat(first).matches("r=rOprNGfwEbeRWgbNEkqO" + java.util.regex.Pattern.quote(SERVER_NONCE)
                + ",s=[A-Za-z0-9+/]{22}==,i=4096");
        assertThat(again).isEqualTo(first);

        ScramSha256Mechanism server = rfcServer();
        server.step(bytes("n,,n=ghost,r=rOprNGfwEbeRWgbNEkqO"));
        SaslStep result = server.step(bytes(CLIENT_FINAL));
        assertThat(result).isInstanceOf(SaslStep.Failure.class);

        ScramSha256Mechanism wrongPassword = rfcServer();
        wrongPassword.step(bytes(CLIENT_FIRST));
        SaslStep wrong = wrongPassword.step(bytes(CLIENT_FINAL.replace("p=dHzb", "p=dHzc")));
        assertThat(((SaslStep.Failure) result).reasonForLog())
                .isEqualTo(((SaslStep.Failure) wrong).reasonForLog().replace("'user'", "'ghost'"));
    }

    @Test
    void nonEmptyAcknowledgementFails() throws Exception {
        ScramSha256Mechanism server = rfcServer();
        server.step(bytes(CLIENT_FIRST));
        server.step(bytes(CLIENT_FINAL));
        assertThat(server.step(bytes("x"))).isInstanceOf(SaslStep.Failure.class);
    }

    @Test
    void randomNoncesDiffer() throws Exception {
        String a = text(SaslMechanisms.create("SCRAM-SHA-256", store).step(bytes(CLIENT_FIRST)));
        String b = text(SaslMechanisms.create("SCRAM-SHA-256", store).step(bytes(CLIENT_FIRST)));
        assertThat(a).startsWith("r=rOprNGfwEbeRWgbNEkqO").isNotEqualTo(b);
    }
}
