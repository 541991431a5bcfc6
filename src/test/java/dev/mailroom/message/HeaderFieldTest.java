package dev.mailroom.message;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderFieldTest {

    static String raw(HeaderField f) {
        return new String(f.raw(), UTF_8);
    }

    @Test
    void shortFieldIsOneLine() {
        assertThat(raw(HeaderField.of("Subject", "hello"))).isEqualTo("Subject: hello\r\n");
    }

    @Test
    void emptyValue() {
        HeaderField f = HeaderField.of("X-Empty", "");
        assertThat(raw(f)).isEqualTo("X-Empty:\r\n");
        assertThat(f.value()).isEmpty();
    }

    @Test
    void hdr07LongValueFoldedAt78() throws Exception {
        String value = "from client.example (client.example [192.0.2.1]) by mail.example.org (Mailroom) "
                + "with ESMTPSA id 0123456789abcdef for <bob@example.org>; Mon, 1 Jan 2024 00:00:00 +0000";
        HeaderField f = HeaderField.of("Received", value);
        String[] lines = raw(f).split("\r\n");
        assertThat(lines.length).isGreaterThan(1);
        for (String line : lines) {
            assertThat(line.length()).isLessThanOrEqualTo(78);
        }
        for (int i = 1; i < lines.length; i++) {
            assertThat(lines[i]).startsWith(" ");
            assertThat(lines[i].isBlank()).isFalse();
        }
        assertThat(f.value()).isEqualTo(value);
        // and it parses back as one field
        HeaderSection h = HeaderSection.parse(f.raw());
        assertThat(h.fields()).containsExactly(f);
    }

    @Test
    void unbreakableTokenLeftLongButUnder998() {
        String token = "x".repeat(200);
        HeaderField f = HeaderField.of("DKIM-Signature", "b=" + token + " tail");
        String[] lines = raw(f).split("\r\n");
        assertThat(lines[0]).isEqualTo("DKIM-Signature: b=" + token);
        assertThat(lines[1]).isEqualTo(" tail");
        assertThat(f.value()).isEqualTo("b=" + token + " tail");
    }

    @Test
    void lineOver998Refused() {
        assertThatThrownBy(() -> HeaderField.of("X", "y".repeat(1000))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void multipleSpacesNeverProduceWhitespaceOnlyLine() {
        String value = "a".repeat(70) + "          " + "b".repeat(20);
        HeaderField f = HeaderField.of("X", value);
        for (String line : raw(f).split("\r\n")) {
            assertThat(line.isBlank()).isFalse();
        }
        assertThat(f.value()).isEqualTo(value);
    }

    @Test
    void trailingWhitespaceIsNotFoldedAlone() {
        String value = "a".repeat(76) + "   ";
        HeaderField f = HeaderField.of("X", value);
        assertThat(raw(f)).doesNotContain("\r\n ");
    }

    @Test
    void utf8Value() {
        HeaderField f = HeaderField.of("Subject", "héllo 用户");
        assertThat(f.raw()).isEqualTo("Subject: héllo 用户\r\n".getBytes(UTF_8));
        assertThat(f.value()).isEqualTo("héllo 用户");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\r\nX-Injected: y", "a\nb", "a\rb", "a\u0000b"})
    void hdr08InjectionRefused(String value) {
        assertThatThrownBy(() -> HeaderField.of("Sender", value)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Bad Name", "Bad:Name", "Bäd", "Tab\tName"})
    void hdr08InvalidNamesRefused(String name) {
        assertThatThrownBy(() -> HeaderField.of(name, "v")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void equalityIsByContent() {
        assertThat(HeaderField.of("A", "1")).isEqualTo(HeaderField.of("A", "1")).hasSameHashCodeAs(HeaderField.of("A", "1"));
        assertThat(HeaderField.of("A", "1")).isNotEqualTo(HeaderField.of("A", "2"));
        assertThat(HeaderField.of("A", "1").toString()).isEqualTo("A: 1");
    }

    @Test
    void isIgnoresCase() {
        assertThat(HeaderField.of("Message-ID", "<x@y>").is("message-id")).isTrue();
    }
}
