package dev.mailroom.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class XtextTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rfc822;alice@example.org|rfc822;alice@example.org",
        "a+2Bb|a+b",
        "a+3Db|a=b",
        "+20|' '",
        "+2B+2B|++",
        "''|''",
        "utf-8;+C3+BC|utf-8;ü",
    })
    void decodes(String xtext, String decoded) throws Exception {
        assertThat(Xtext.decode(xtext)).isEqualTo(decoded);
        assertThat(Xtext.isValid(xtext)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"+ZZ", "+", "a+", "a+4", "+2b", "a=b", "a b", "a\tb", "é", "+G0", "\u007f"})
    void rejectsMalformed(String xtext) {
        assertThatThrownBy(() -> Xtext.decode(xtext)).isInstanceOf(AddressException.class);
        assertThat(Xtext.isValid(xtext)).isFalse();
    }

    @Test
    void nullIsInvalid() {
        assertThat(Xtext.isValid(null)).isFalse();
    }

    @Test
    void encodesSpecials() {
        assertThat(Xtext.encode("a+b=c d")).isEqualTo("a+2Bb+3Dc+20d");
        assertThat(Xtext.encode("ü")).isEqualTo("+C3+BC");
        assertThat(Xtext.encode("rfc822;bob@example.org")).isEqualTo("rfc822;bob@example.org");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "plain", "+=+=", "tab\there", "用户@例子", "\u0001\u007f~!"})
    void roundTrips(String s) throws Exception {
        String x = Xtext.encode(s);
        assertThat(Xtext.isValid(x)).isTrue();
        assertThat(Xtext.decode(x)).isEqualTo(s);
    }

    @Test
    void invalidUtf8KeptAsLatin1() throws Exception {
        assertThat(Xtext.decode("+FF")).isEqualTo("\u00ff");
    }
}
