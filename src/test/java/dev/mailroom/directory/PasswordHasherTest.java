package dev.mailroom.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    private final PasswordHasher fast = new PasswordHasher(new Argon2Parameters(64, 1, 1));

    @Test
    void argon2idRoundTrip_inDovecotForm() {
        String hash = fast.hash("correct horse");
        assertThat(hash).matches("\\{ARGON2ID}\\$argon2id\\$v=19\\$m=64,t=1,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
        assertThat(fast.verify("correct horse", hash)).isTrue();
        assertThat(fast.verify("correct horsf", hash)).isFalse();
        assertThat(fast.hash("correct horse")).isNotEqualTo(hash); // random salt
        assertThat(PasswordHasher.isSupported(hash)).isTrue();
    }

    @Test
    void verifiesWithTheParametersStoredInTheHash_notTheConfiguredOnes() {
        String hash = new PasswordHasher(new Argon2Parameters(128, 2, 2)).hash("pw");
        assertThat(fast.verify("pw", hash)).isTrue();
    }

    @Test
    void verifiesTheArgon2ReferenceImplementationVector() {
        // phc-winner-argon2 test.c, Argon2id v1.3: t=2, m=2^16 KiB, p=1, "password" / "somesalt".
        String reference = "{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ"
                + "$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        assertThat(fast.verify("password", reference)).isTrue();
        assertThat(fast.verify("passwore", reference)).isFalse();
    }

    @Test
    void verifiesBcrypt_2a_and_2y() {
        // Generated independently with libxcrypt's crypt(3); the first is also crypt_blowfish's test vector.
        assertThat(fast.verify("U*U", "{BLF-CRYPT}$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")).isTrue();
        String y = "{BLF-CRYPT}$2y$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2";
        assertThat(PasswordHasher.isSupported(y)).isTrue();
        assertThat(fast.verify("correct horse", y)).isTrue();
        assertThat(fast.verify("correct horsE", y)).isFalse();
    }

    @Test
    void unknownOrMalformedHashesNeverVerify() {
        assertThat(fast.verify("pw", "{PLAIN}pw")).isFalse();
        assertThat(fast.verify("pw", "{ARGON2ID}$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ")).isFalse();
        assertThat(fast.verify("pw", "{BLF-CRYPT}$2y$05$short")).isFalse();
        assertThat(PasswordHasher.isSupported("{PLAIN}pw")).isFalse();
        assertThat(PasswordHasher.isSupported("{ARGON2ID}$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA"))
                .isFalse();
        // A stored hash asking for absurd memory is refused rather than run.
        assertThat(PasswordHasher.isSupported("{ARGON2ID}$argon2id$v=19$m=99999999,t=1,p=1$c29tZXNhbHQ"
                + "$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")).isFalse();
    }

    @Test
    void defaultsAreOwaspMinimum_andParametersAreValidated() {
        assertThat(Argon2Parameters.DEFAULT).isEqualTo(new Argon2Parameters(19_456, 2, 1));
        assertThat(new PasswordHasher().parameters()).isEqualTo(Argon2Parameters.DEFAULT);
        assertThatThrownBy(() -> new Argon2Parameters(8, 1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Argon2Parameters(64, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
