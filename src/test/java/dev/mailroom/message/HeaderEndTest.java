package dev.mailroom.message;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderEndTest {

    static byte[] b(String s) {
        return s.getBytes(US_ASCII);
    }

    @Test
    void findsEmptyLineInOneChunk() throws Exception {
        byte[] msg = b("From: a\r\nTo: b\r\n\r\nbody\r\n");
        HeaderEnd e = new HeaderEnd();
        int i = e.feed(msg);
        assertThat(i).isEqualTo(18);
        assertThat(e.found()).isTrue();
        assertThat(e.headerLength()).isEqualTo(16);
        assertThat(e.bodyOffset()).isEqualTo(18);
        assertThat(e.hasSeparator()).isTrue();
        assertThat(new String(msg, i, msg.length - i, US_ASCII)).isEqualTo("body\r\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 7})
    void findsItAcrossChunkBoundaries(int chunk) throws Exception {
        byte[] msg = b("From: a\r\nTo: b\r\n\r\nbody\r\n");
        HeaderEnd e = new HeaderEnd();
        long bodyAt = -1;
        for (int off = 0; off < msg.length && bodyAt < 0; off += chunk) {
            int r = e.feed(msg, off, Math.min(chunk, msg.length - off));
            if (r >= 0) {
                bodyAt = r;
            }
        }
        assertThat(bodyAt).isEqualTo(18);
        assertThat(e.headerLength()).isEqualTo(16);
    }

    @Test
    void messageStartingWithEmptyLineHasNoHeaders() throws Exception {
        HeaderEnd e = new HeaderEnd();
        assertThat(e.feed(b("\r\nbody"))).isEqualTo(2);
        assertThat(e.headerLength()).isZero();
        assertThat(e.bodyOffset()).isEqualTo(2);
    }

    @Test
    void messageWithoutBodyEndsAtEof() throws Exception {
        HeaderEnd e = new HeaderEnd();
        assertThat(e.feed(b("From: a\r\nTo: b\r\n"))).isEqualTo(-1);
        assertThat(e.found()).isFalse();
        e.finish();
        assertThat(e.found()).isTrue();
        assertThat(e.headerLength()).isEqualTo(16);
        assertThat(e.bodyOffset()).isEqualTo(16);
        assertThat(e.hasSeparator()).isFalse();
    }

    @Test
    void emptyMessage() throws Exception {
        HeaderEnd e = new HeaderEnd();
        e.finish();
        assertThat(e.headerLength()).isZero();
    }

    @Test
    void crlfCrlfOnlyCountsAsWhole() throws Exception {
        HeaderEnd e = new HeaderEnd();
        assertThat(e.feed(b("A: b\r\n \r\nC: d\r\n\r\r\n"))).isEqualTo(-1);
        assertThat(e.feed(b("\r\n"))).isEqualTo(2);
        // the stray CR stays inside the header section (HeaderSection.parse rejects it later)
        assertThat(e.headerLength()).isEqualTo(18);
    }

    @Test
    void laterFeedsIgnoredAndFinishKeepsResult() throws Exception {
        HeaderEnd e = new HeaderEnd();
        e.feed(b("A: b\r\n\r\n"));
        assertThat(e.feed(b("\r\n\r\n"))).isEqualTo(-1);
        e.finish();
        assertThat(e.headerLength()).isEqualTo(6);
    }

    @Test
    void headerSectionExactlyAtLimitAccepted() throws Exception {
        HeaderEnd e = new HeaderEnd(10);
        assertThat(e.feed(b("A: 123456\r\n\r\n".substring(1)))).isEqualTo(12); // ": 123456\r\n" = 10 octets
        assertThat(e.headerLength()).isEqualTo(10);
    }

    @Test
    void headerSectionOverLimitRejected() {
        HeaderEnd e = new HeaderEnd(10);
        assertThatThrownBy(() -> e.feed(b("A: 1234567\r\n\r\n")))
                .isInstanceOfSatisfying(MessageFormatException.class,
                        x -> assertThat(x.reason()).isEqualTo("header section too large (max 10 octets)"));
    }

    @Test
    void overLimitDetectedWhileStreamingWithoutEmptyLine() throws Exception {
        HeaderEnd e = new HeaderEnd(256 * 1024);
        byte[] chunk = b("X-Filler: " + "x".repeat(1000) + "\r\n");
        assertThatThrownBy(() -> {
            for (int i = 0; i < 1000; i++) {
                e.feed(chunk);
            }
        }).isInstanceOf(MessageFormatException.class).hasMessageContaining("too large");
    }

    @Test
    void overLimitAtEof() throws Exception {
        HeaderEnd e = new HeaderEnd(6);
        e.feed(b("A: b\r\n"));
        e.finish();
        assertThat(e.headerLength()).isEqualTo(6);
        // Lines end in CRLF, so "A: bc" can only become a section of at least 7 octets: refused early.
        HeaderEnd f = new HeaderEnd(6);
        f.feed(b("A: b"));
        assertThatThrownBy(() -> f.feed(b("c"))).isInstanceOf(MessageFormatException.class);
    }

    @Test
    void defaultLimitIs256KiB() {
        assertThat(HeaderEnd.DEFAULT_LIMIT).isEqualTo(262144);
    }
}
