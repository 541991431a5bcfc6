package dev.mailroom.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 8689 section 5: the TLS-Required header field. */
class TlsRequiredFieldTest {
    private static boolean no(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        return TlsRequiredField.saysNo(b, b.length);
    }

    @Test
    void RTLS_02_tlsRequiredNoIsFoundInTheHeaderSectionOnly() {
        assertThat(no("From: a@x.example\r\nTLS-Required: No\r\n\r\nbody\r\n")).isTrue();
        assertThat(no("tls-required:no\r\n")).isTrue();
        assertThat(no("TLS-Required:\r\n No\r\nSubject: x\r\n\r\n")).isTrue();
        assertThat(no("From: a@x.example\r\n\r\nTLS-Required: No\r\n")).isFalse();
        assertThat(no("TLS-Required: Yes\r\n\r\n")).isFalse();
        assertThat(no("X-TLS-Required: No\r\n\r\n")).isFalse();
        assertThat(no("Subject: TLS-Required: No\r\n\r\n")).isFalse();
    }
}
