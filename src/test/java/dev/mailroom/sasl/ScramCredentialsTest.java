package dev.mailroom.sasl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ScramCredentialsTest {

    private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");

    @Test
    void encodeParseRoundTrip() {
        ScramCredentials c = ScramCredentials.derive("pencil", SALT, 4096);
        String encoded = c.encode();
        assertThat(encoded).startsWith("{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,");
        assertThat(ScramCredentials.parse(encoded)).isEqualTo(c);
    }

    @Test
    void toStringHidesKeys() {
        ScramCredentials c = ScramCredentials.derive("pencil", SALT, 4096);
        assertThat(c.toString()).doesNotContain(Base64.getEncoder().encodeToString(c.storedKey()));
    }

    @Test
    void SASL_06_deriveRefusesFewerThan4096Iterations() {
        assertThatThrownBy(() -> ScramCredentials.derive("pencil", SALT, 4095))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parseRejectsMalformedText() {
        assertThatThrownBy(() -> ScramCredentials.parse("4096,a,b,c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScramCredentials.parse("{SCRAM-SHA-256}x,AA==,AA==,AA=="))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScramCredentials.parse("{SCRAM-SHA-256}4096,AA==,AA==,AA=="))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void saslPrepMapsNonAsciiSpaceAndSoftHyphen() {
        // RFC 4013 section 3 examples: "I<U+00AD>X" -> "IX"; U+00A0 NO-BREAK SPACE -> SPACE.
        assertThat(ScramCredentials.derive("I\u00ADX", SALT, 4096)).isEqualTo(ScramCredentials.derive("IX", SALT, 4096));
        assertThat(ScramCredentials.derive("a\u00A0b", SALT, 4096)).isEqualTo(ScramCredentials.derive("a b", SALT, 4096));
        assertThatThrownBy(() -> ScramCredentials.derive("a\u0007", SALT, 4096))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
