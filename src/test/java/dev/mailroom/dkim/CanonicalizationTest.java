package dev.mailroom.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RFC 6376 section 3.4 (DKIM-08): the canonicalization algorithms, byte for byte, and the streaming body hash. */
class CanonicalizationTest {

    static String header(Canonicalization c, String field) {
        return new String(c.header(field.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1);
    }

    /** The canonical body, collected instead of hashed. */
    static String body(Canonicalization c, String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BodyCanonicalizer.Out sink = new BodyCanonicalizer.Out() {
            @Override
            public void write(byte b) {
                out.write(b);
            }

            @Override
            public void write(byte[] b) {
                out.writeBytes(b);
            }
        };
        BodyCanonicalizer canonicalizer = c.body();
        for (byte b : body.getBytes(StandardCharsets.ISO_8859_1)) {
            canonicalizer.write(b, sink);
        }
        canonicalizer.finish(sink);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    static String bodyHash(Canonicalization c, byte[] body) {
        BodyHasher h = new BodyHasher(c);
        h.write(body, 0, body.length);
        return Base64.getEncoder().encodeToString(h.digest());
    }

    static String sha256(String s) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    // RFC 6376 section 3.4.5, the example message.
    static final String[] EXAMPLE_HEADER = {"A: X\r\n", "B : Y\t\r\n\tZ  \r\n"};
    static final String EXAMPLE_BODY = " C \r\nD \t E\r\n\r\n\r\n";

    @Test
    void DKIM_08_rfc6376Section345RelaxedExample() {
        assertThat(header(Canonicalization.RELAXED, EXAMPLE_HEADER[0])).isEqualTo("a:X\r\n");
        assertThat(header(Canonicalization.RELAXED, EXAMPLE_HEADER[1])).isEqualTo("b:Y Z\r\n");
        assertThat(body(Canonicalization.RELAXED, EXAMPLE_BODY)).isEqualTo(" C\r\nD E\r\n");
    }

    @Test
    void DKIM_08_rfc6376Section345SimpleExample() {
        assertThat(header(Canonicalization.SIMPLE, EXAMPLE_HEADER[0])).isEqualTo("A: X\r\n");
        assertThat(header(Canonicalization.SIMPLE, EXAMPLE_HEADER[1])).isEqualTo("B : Y\t\r\n\tZ  \r\n");
        assertThat(body(Canonicalization.SIMPLE, EXAMPLE_BODY)).isEqualTo(" C \r\nD \t E\r\n");
    }

    @Test
    void DKIM_08_emptyBodyHashes() {
        // requirements DKIM-08: simple empty body = one CRLF, relaxed empty body = nothing
        assertThat(bodyHash(Canonicalization.SIMPLE, new byte[0])).isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(bodyHash(Canonicalization.RELAXED, new byte[0])).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        // a body of empty lines only is empty too (trailing empty lines are ignored)
        byte[] blank = "\r\n\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(bodyHash(Canonicalization.SIMPLE, blank)).isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(bodyHash(Canonicalization.RELAXED, blank)).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        // relaxed: lines of white space only are empty lines
        assertThat(body(Canonicalization.RELAXED, " \t\r\n  \r\n")).isEmpty();
        assertThat(body(Canonicalization.SIMPLE, " \t\r\n  \r\n")).isEqualTo(" \t\r\n  \r\n");
    }

    @Test
    void aBodyWithoutFinalCrlfHashesAsIfItHadOne() {
        // RFC 6376 sections 3.4.3 and 3.4.4: a missing final CRLF is added (BDAT content may end without one)
        for (Canonicalization c : Canonicalization.values()) {
            assertThat(body(c, "Hi.\r\nBye.")).as(c.name()).isEqualTo("Hi.\r\nBye.\r\n");
            assertThat(body(c, "Bye.\r\n\r\n")).as(c.name()).isEqualTo("Bye.\r\n");
        }
        // trailing white space on the unterminated last line: as if the CRLF were there
        assertThat(body(Canonicalization.RELAXED, "a\r\n  ")).isEqualTo("a\r\n");
        assertThat(body(Canonicalization.RELAXED, "a  b \t")).isEqualTo("a b\r\n");
        assertThat(body(Canonicalization.SIMPLE, "a\r\n  ")).isEqualTo("a\r\n  \r\n");
    }

    @Test
    void emptyLinesInsideTheBodyAreKeptAndBareCrIsContent() {
        assertThat(body(Canonicalization.RELAXED, "a\r\n\r\n\r\nb\r\n\r\n")).isEqualTo("a\r\n\r\n\r\nb\r\n");
        assertThat(body(Canonicalization.SIMPLE, "\r\n\r\nb\r\n")).isEqualTo("\r\n\r\nb\r\n");
        assertThat(body(Canonicalization.SIMPLE, "a\rb\r\n")).isEqualTo("a\rb\r\n");
        assertThat(body(Canonicalization.SIMPLE, "a\r")).isEqualTo("a\r\r\n");
    }

    @Test
    void eightBitBytesAreHashedAsTheyAre() {
        String latin = "Gr\u00fc\u00dfe \u00e9t\u00e9\r\n"; // ISO-8859-1 bytes 0xFC 0xDF 0xE9
        assertThat(body(Canonicalization.RELAXED, latin + "caf\u00c3\u00a9  \r\n")).isEqualTo(latin + "caf\u00c3\u00a9\r\n");
        assertThat(header(Canonicalization.RELAXED, "Subject:  Gr\u00fc\u00dfe\r\n \u00e9t\u00e9 \r\n"))
                .isEqualTo("subject:Gr\u00fc\u00dfe \u00e9t\u00e9\r\n");
    }

    @Test
    void theHashIsTheSameWhateverTheWriteBoundaries() {
        byte[] body = ("  Hello,\t world  \r\n\r\n.dot line\r\nCR\rinside\r\n \r\n\r\nlast  line \t\r\n\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        for (Canonicalization c : Canonicalization.values()) {
            String whole = bodyHash(c, body);
            for (int split = 0; split <= body.length; split++) {
                BodyHasher h = new BodyHasher(c);
                h.write(body, 0, split);
                h.write(body, split, body.length - split);
                assertThat(Base64.getEncoder().encodeToString(h.digest())).as("%s split at %d", c, split).isEqualTo(whole);
            }
            BodyHasher byteByByte = new BodyHasher(c);
            for (byte b : body) {
                byteByByte.write(b);
            }
            assertThat(Base64.getEncoder().encodeToString(byteByByte.digest())).isEqualTo(whole);
        }
    }

    @Test
    void fiftyMegabytesStreamThroughWithoutBeingHeld() throws Exception {
        // 50 MiB in 64 KiB writes, as the spool gets them; the expected hash is computed from the canonical lines.
        byte[] line = "Lorem  ipsum dolor sit amet,\tconsectetur adipiscing elit  \r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] canonical = "Lorem ipsum dolor sit amet, consectetur adipiscing elit\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] block = new byte[line.length * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(line, 0, block, i * line.length, line.length);
        }
        BodyHasher hasher = new BodyHasher(Canonicalization.RELAXED);
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        long written = 0;
        while (written < 50L * 1024 * 1024) {
            hasher.write(block, 0, block.length);
            for (int i = 0; i < 1000; i++) {
                expected.update(canonical);
            }
            written += block.length;
        }
        assertThat(hasher.digest()).isEqualTo(expected.digest());
    }

    @Test
    void canonicalizationPairsParseAsRfc6376Section35Says() {
        assertThat(Canonicalization.Pair.parse("relaxed/relaxed")).isEqualTo(Canonicalization.Pair.RELAXED_RELAXED);
        assertThat(Canonicalization.Pair.parse("simple/relaxed").tagValue()).isEqualTo("simple/relaxed");
        // one name alone: that header algorithm, simple body
        assertThat(Canonicalization.Pair.parse("relaxed").tagValue()).isEqualTo("relaxed/simple");
        assertThat(Canonicalization.Pair.parse("simple").tagValue()).isEqualTo("simple/simple");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Canonicalization.Pair.parse("relaxed/nofws"))
                .hasMessageContaining("got relaxed/nofws");
    }
}
