package dev.mailroom.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UserTest {

    private final User alice = new User("alice@example.com", "{BLF-CRYPT}x", Optional.empty(),
            Set.of("alias@example.com", "@example.org"), Set.of("team@example.com"));

    @Test
    void MSA_16_ownAddresses() {
        assertThat(alice.rightFor("alice@example.com")).isEqualTo(SenderRight.OWN); // the login name itself
        assertThat(alice.rightFor("alice@EXAMPLE.com")).isEqualTo(SenderRight.OWN); // domains are case-insensitive
        assertThat(alice.rightFor("alias@example.com")).isEqualTo(SenderRight.OWN);
        assertThat(alice.rightFor("anyone@Example.ORG")).isEqualTo(SenderRight.OWN); // @domain grant
    }

    @Test
    void MSA_23_sendOnBehalf() {
        assertThat(alice.rightFor("team@example.com")).isEqualTo(SenderRight.ON_BEHALF);
    }

    @Test
    void MSA_16_everythingElseIsRefused() {
        assertThat(alice.rightFor("bob@example.com")).isEqualTo(SenderRight.NONE);
        assertThat(alice.rightFor("Alice@example.com")).isEqualTo(SenderRight.NONE); // local-part is exact
        assertThat(alice.rightFor("x@sub.example.org")).isEqualTo(SenderRight.NONE); // no subdomains
        assertThat(alice.rightFor("")).isEqualTo(SenderRight.NONE);
        assertThat(alice.rightFor("@example.org")).isEqualTo(SenderRight.NONE);
        assertThat(alice.rightFor(null)).isEqualTo(SenderRight.NONE);
    }

    @Test
    void nameWithoutAtIsNotASender() {
        User bob = new User("bob", "{BLF-CRYPT}x", Optional.empty(), Set.of(), Set.of());
        assertThat(bob.rightFor("bob")).isEqualTo(SenderRight.NONE);
    }

    @Test
    void toStringHidesTheHash() {
        assertThat(alice.toString()).doesNotContain("BLF-CRYPT");
    }
}
