package dev.mailroom.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LocalPartTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "alice|alice",
            "\"alice\"|alice",
            "\"al\\ice\"|alice",
            "\"alice.smith\"|alice.smith",
            "\"Alice Smith\"|\"Alice Smith\"",
            "\"user@other\"|\"user@other\"",
            "\".alice\"|\".alice\"",
            "\"a..b\"|\"a..b\"",
            "\"\"|\"\"",
            "\"user%other\"|user%other",
    })
    void needlessQuotesAreRemovedOthersKept(String given, String canonical) {
        // RFC 5322 section 3.2.4: "alice" is the atom alice; "user@other" is not any dot-atom
        assertThat(LocalPart.canonical(given)).isEqualTo(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"user%other", "other!user", "\"user@other\"", "a%b%c", "\"x!y\""})
    void senderSpecifiedRoutingIsRecognised(String local) {
        assertThat(LocalPart.routes(local)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "alice.smith", "a+tag", "\"Alice Smith\"", "o'brien", "a=b"})
    void ordinaryLocalPartsCarryNoRoute(String local) {
        assertThat(LocalPart.routes(local)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"postmaster,true", "POSTMASTER,true", "PostMaster,true", "abuse,true", "Abuse,true",
            "postmasters,false", "hostmaster,false", "webmaster,false", "abuse1,false"})
    void roleMailboxesArePostmasterAndAbuseInAnyCase(String local, boolean role) {
        assertThat(LocalPart.isRoleMailbox(local)).isEqualTo(role);
    }
}
