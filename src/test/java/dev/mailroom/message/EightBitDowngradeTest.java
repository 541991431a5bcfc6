package dev.mailroom.message;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailroom.message.EightBitDowngrade.DowngradeException;
import dev.mailroom.message.EightBitDowngrade.QuotedPrintableEncoder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.apache.james.mime4j.codec.Base64InputStream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EightBitDowngradeTest {

    @TempDir
    Path spill;

    /** Test messages are written with LF; the wire form has CRLF. */
    static byte[] crlf(String s) {
        return s.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(UTF_8);
    }

    record Result(byte[] bytes, int reencoded) {
        String text() {
            return new String(bytes, UTF_8);
        }
    }

    Result downgrade(byte[] message) throws IOException, DowngradeException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = new EightBitDowngrade(spill).downgrade(() -> new ByteArrayInputStream(message), out);
        return new Result(out.toByteArray(), n);
    }

    int downgradeCode(byte[] message) {
        try {
            downgrade(message);
        } catch (DowngradeException e) {
            return e.reply().code();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("downgraded");
    }

    static Message parse(byte[] raw, boolean decode) throws IOException {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        builder.setContentDecoding(decode);
        return builder.parseMessage(new ByteArrayInputStream(raw));
    }

    /** Depth-first leaves, descending into multiparts and message/rfc822. */
    static List<Entity> leaves(Entity entity) {
        List<Entity> out = new ArrayList<>();
        if (entity.getBody() instanceof Multipart mp) {
            mp.getBodyParts().forEach(p -> out.addAll(leaves(p)));
        } else if (entity.getBody() instanceof Message m) {
            out.addAll(leaves(m));
        } else {
            out.add(entity);
        }
        return out;
    }

    static byte[] body(Entity leaf) throws IOException {
        try (InputStream in = ((SingleBody) leaf.getBody()).getInputStream()) {
            return in.readAllBytes();
        }
    }

    static List<String> rawFields(Entity e) {
        List<String> out = new ArrayList<>();
        for (Field f : e.getHeader().getFields()) {
            out.add(new String(f.getRaw().toByteArray(), ISO_8859_1));
        }
        return out;
    }

    /** What a 7-bit SMTP hop accepts: ASCII, CRLF only, lines of at most 998 octets. */
    static void assertSevenBit(byte[] b) {
        int lineStart = 0;
        for (int i = 0; i < b.length; i++) {
            assertThat(b[i]).as("octet %d", i).isGreaterThanOrEqualTo((byte) 0);
            if (b[i] == '\r') {
                assertThat(i + 1 < b.length && b[i + 1] == '\n').as("CR at %d followed by LF", i).isTrue();
            }
            if (b[i] == '\n') {
                assertThat(i > 0 && b[i - 1] == '\r').as("LF at %d preceded by CR", i).isTrue();
                assertThat(i - 1 - lineStart).isLessThanOrEqualTo(998);
                lineStart = i + 1;
            }
        }
    }

    static byte[] qpDecodeStrict(byte[] encoded) throws IOException {
        try (InputStream in = new QuotedPrintableInputStream(new ByteArrayInputStream(encoded), DecodeMonitor.STRICT)) {
            return in.readAllBytes();
        }
    }

    @Nested
    class Unchanged {
        static final String SEVEN_BIT = """
                From: alice@example.com
                To: bob@example.org
                Subject: plain
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="b1"

                preamble
                --b1  \t
                Content-Type: text/plain
                Content-Transfer-Encoding: 8bit

                only ASCII here, though labelled 8bit
                --b1
                Content-Type: application/octet-stream
                Content-Transfer-Encoding: base64

                AAEC
                --b1--
                epilogue
                """;

        @Test
        void sevenBitMessageIsCopiedByteForByte() throws Exception {
            byte[] original = crlf(SEVEN_BIT);
            Result r = downgrade(original);
            assertThat(r.bytes()).isEqualTo(original);
            assertThat(r.reencoded()).isZero();
            assertThat(EightBitDowngrade.hasEightBitOctets(new ByteArrayInputStream(original))).isFalse();
        }

        @Test
        void sevenBitMessageWithoutFinalCrlfOrMimeIsCopiedByteForByte() throws Exception {
            byte[] original = "Subject: x\r\n\r\nno final line break".getBytes(UTF_8);
            assertThat(downgrade(original).bytes()).isEqualTo(original);
        }

        @Test
        void eightBitOctetsAreDetected() throws Exception {
            assertThat(EightBitDowngrade.hasEightBitOctets(new ByteArrayInputStream(crlf("Subject: x\n\nGrüße\n")))).isTrue();
            assertThat(EightBitDowngrade.hasEightBitOctets(new ByteArrayInputStream(new byte[] {0x7f, 0, 10}))).isFalse();
        }
    }

    @Nested
    class SinglePart {
        @Test
        void plainEightBitTextBecomesQuotedPrintable() throws Exception {
            String body = "Grüße aus Köln,\nJörg\n";
            byte[] original = crlf("From: joerg@example.de\nTo: bob@example.org\nSubject: hi\n\n" + body);
            Result r = downgrade(original);
            assertSevenBit(r.bytes());
            assertThat(r.reencoded()).isEqualTo(1);
            // Fields are kept as they were; MIME-Version and the encoding are added after them (RFC 2045 4).
            assertThat(r.text()).startsWith("From: joerg@example.de\r\nTo: bob@example.org\r\nSubject: hi\r\n"
                    + "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
            assertThat(r.text()).contains("Gr=C3=BC=C3=9Fe aus K=C3=B6ln,\r\nJ=C3=B6rg\r\n");
            Message parsed = parse(r.bytes(), true);
            assertThat(body(parsed)).isEqualTo(crlf(body));
        }

        @Test
        void existingEncodingFieldIsReplacedInPlace() throws Exception {
            byte[] original = crlf("""
                    Subject: hi
                    MIME-Version: 1.0
                    Content-Type: text/plain; charset=utf-8
                    Content-Transfer-Encoding: 8bit
                    X-After: kept

                    Café
                    """);
            Result r = downgrade(original);
            assertThat(r.text()).startsWith("Subject: hi\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    + "Content-Transfer-Encoding: quoted-printable\r\nX-After: kept\r\n\r\nCaf=C3=A9\r\n");
            assertSevenBit(r.bytes());
        }

        @Test
        void nonTextBodyBecomesBase64() throws Exception {
            byte[] payload = new byte[300];
            new Random(7).nextBytes(payload);
            for (int i = 0; i < payload.length; i++) {
                if (payload[i] == '\r' || payload[i] == '\n') {
                    payload[i] = 'x';   // DATA carries no bare CR or LF
                }
            }
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            m.writeBytes(crlf("Subject: blob\nMIME-Version: 1.0\nContent-Type: application/octet-stream\n"
                    + "Content-Transfer-Encoding: binary\n\n"));
            m.writeBytes(payload);
            Result r = downgrade(m.toByteArray());
            assertSevenBit(r.bytes());
            assertThat(r.text()).contains("Content-Transfer-Encoding: base64\r\n");
            assertThat(body(parse(r.bytes(), true))).isEqualTo(payload);
        }
    }

    @Nested
    class Multiparts {
        static final String PDF_BASE64 = "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZURl\n"
                + "Y29kZT4+CnN0cmVhbQp4nDPQM1Qo5ypUMFAw0DMwslAwtTTVszRVKErlCtdSyOMyVADDLwh+CmVu\n";

        static final String MIXED = """
                From: alice@example.com
                Subject: report
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="outer"

                This is a multi-part message in MIME format.
                --outer
                Content-Type: text/plain; charset=us-ascii
                Content-Transfer-Encoding: 7bit

                The first part is plain ASCII =and stays as it is.
                --outer
                Content-Type: text/plain; charset=utf-8
                Content-Transfer-Encoding: 8bit

                Die Zahlen für März.
                --outer
                Content-Type: application/pdf; name="r.pdf"
                Content-Transfer-Encoding: base64

                """ + PDF_BASE64 + """
                --outer--
                """;

        @Test
        void onlyTheEightBitPartIsReencoded() throws Exception {
            byte[] original = crlf(MIXED);
            Result r = downgrade(original);
            assertSevenBit(r.bytes());
            assertThat(r.reencoded()).isEqualTo(1);

            List<Entity> before = leaves(parse(original, false));
            List<Entity> after = leaves(parse(r.bytes(), false));
            assertThat(after).hasSize(3);
            // The 7-bit parts keep every byte of header and body; base64 is left alone.
            for (int i : new int[] {0, 2}) {
                assertThat(rawFields(after.get(i))).isEqualTo(rawFields(before.get(i)));
                assertThat(body(after.get(i))).isEqualTo(body(before.get(i)));
            }
            assertThat(r.text()).contains("\r\n\r\n" + crlfString(PDF_BASE64) + "--outer--\r\n");
            assertThat(after.get(1).getContentTransferEncoding()).isEqualTo("quoted-printable");
            assertThat(rawFields(after.get(1))).containsExactly("Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable");
            assertThat(body(leaves(parse(r.bytes(), true)).get(1))).isEqualTo(body(before.get(1)));
            // Everything up to the second part (header, preamble, first part) is untouched too.
            String before7bit = crlfString(MIXED);
            int secondPart = before7bit.indexOf("\r\n--outer", before7bit.indexOf("--outer\r\n") + 1);
            assertThat(r.text()).startsWith(before7bit.substring(0, secondPart));
        }

        @Test
        void nestedMultipartsAndAnEnclosedMessage() throws Exception {
            byte[] original = crlf("""
                    From: alice@example.com
                    Subject: nested
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary="outer"

                    --outer
                    Content-Type: multipart/alternative; boundary="inner"

                    --inner
                    Content-Type: text/plain; charset=utf-8
                    Content-Transfer-Encoding: 8bit

                    Ça va très bien.
                    --inner
                    Content-Type: text/html; charset=utf-8

                    <p>Ça va très bien.</p>
                    --inner--

                    --outer
                    Content-Type: message/rfc822
                    Content-Transfer-Encoding: 8bit

                    From: carol@example.net
                    Subject: forwarded
                    MIME-Version: 1.0
                    Content-Type: text/plain; charset=utf-8
                    Content-Transfer-Encoding: 8bit

                    Smörgåsbord.
                    --outer
                    Content-Type: text/plain

                    ascii tail
                    --outer--
                    """);
            Result r = downgrade(original);
            assertSevenBit(r.bytes());
            assertThat(r.reencoded()).isEqualTo(3);

            Message decoded = parse(r.bytes(), true);
            List<Entity> after = leaves(decoded);
            List<Entity> before = leaves(parse(original, true));
            assertThat(after).hasSize(4);
            for (int i = 0; i < 4; i++) {
                assertThat(body(after.get(i))).as("leaf %d", i).isEqualTo(body(before.get(i)));
                assertThat(after.get(i).getMimeType()).isEqualTo(before.get(i).getMimeType());
            }
            assertThat(after).extracting(Entity::getContentTransferEncoding)
                    .containsExactly("quoted-printable", "quoted-printable", "quoted-printable", "7bit");
            // message/rfc822 may not be encoded (RFC 2046 5.2.1): its label becomes 7bit, its content is converted.
            Entity enclosed = ((Multipart) decoded.getBody()).getBodyParts().get(1);
            assertThat(enclosed.getMimeType()).isEqualTo("message/rfc822");
            assertThat(enclosed.getContentTransferEncoding()).isEqualTo("7bit");
            assertThat(((Message) enclosed.getBody()).getSubject()).isEqualTo("forwarded");
            // The html part had no Content-Transfer-Encoding: one is added at the end of its header.
            assertThat(r.text()).contains("Content-Type: text/html; charset=utf-8\r\n"
                    + "Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>=C3=87a va tr=C3=A8s bien.</p>\r\n--inner--");
            assertThat(r.text()).contains("\r\nascii tail\r\n--outer--\r\n");
        }

        @Test
        void boundaryPaddingIsDroppedAndAnEightBitPreambleToo() throws Exception {
            byte[] original = crlf("""
                    Subject: padded
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary=b

                    Präambel
                    --b   \t
                    Content-Type: text/plain; charset=utf-8

                    ü
                    --b--  \s
                    Epilog ä
                    """);
            Result r = downgrade(original);
            assertSevenBit(r.bytes());
            assertThat(r.text()).isEqualTo("Subject: padded\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                    + "\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    + "=C3=BC\r\n--b--\r\n");
        }

        @Test
        void messageRfc822LabelledBase64IsKeptWhole() throws Exception {
            String encodedMessage = "U3ViamVjdDogaW5uZXIKCmJvZHkK\n";
            byte[] original = crlf("""
                    Subject: outer
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary=b

                    --b
                    Content-Type: text/plain; charset=utf-8

                    ü
                    --b
                    Content-Type: message/rfc822
                    Content-Transfer-Encoding: base64

                    """ + encodedMessage + """
                    --b--
                    """);
            Result r = downgrade(original);
            assertThat(r.reencoded()).isEqualTo(1);
            assertThat(r.text()).contains("Content-Transfer-Encoding: base64\r\n\r\n" + crlfString(encodedMessage) + "--b--");
        }
    }

    @Nested
    class Refusals {
        @Test
        void utf8HeaderFieldIsRefusedWith5_6_9() {
            byte[] original = crlf("From: josé@exemple.fr\nSubject: café\n\nbody ü\n");
            DowngradeException e = catchDowngrade(original);
            assertThat(e.reply().code()).isEqualTo(550);
            assertThat(e.reply().enhanced()).isEqualTo("5.6.9");
        }

        @Test
        void latin1HeaderFieldIsRefusedWith5_6_3() {
            byte[] original = "Subject: caf\u00e9\r\n\r\nbody\r\n".getBytes(ISO_8859_1);
            DowngradeException e = catchDowngrade(original);
            assertThat(e.reply().toString()).startsWith("554 5.6.3");
        }

        @Test
        void eightBitPartHeaderIsRefused() {
            byte[] original = crlf("""
                    Subject: x
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary=b

                    --b
                    Content-Type: application/pdf; name="Prüfung.pdf"
                    Content-Transfer-Encoding: base64

                    AAAA
                    --b--
                    """);
            assertThat(downgradeCode(original)).isEqualTo(550);
        }

        @Test
        void eightBitContentUnderMultipartSignedIsRefusedWith5_6_2() {
            byte[] original = crlf("""
                    Subject: signed
                    MIME-Version: 1.0
                    Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary=s

                    --s
                    Content-Type: multipart/mixed; boundary=m

                    --m
                    Content-Type: text/plain; charset=utf-8
                    Content-Transfer-Encoding: 8bit

                    Unterschrieben für Dich.
                    --m--

                    --s
                    Content-Type: application/pgp-signature

                    -----BEGIN PGP SIGNATURE-----
                    iQEzBAEBCAAdFiEE
                    -----END PGP SIGNATURE-----
                    --s--
                    """);
            DowngradeException e = catchDowngrade(original);
            assertThat(e.reply().toString()).startsWith("554 5.6.2");
        }

        @Test
        void sevenBitSignedPartNextToAnEightBitOneIsFine() throws Exception {
            byte[] original = crlf("""
                    Subject: forwarded signed
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary=m

                    --m
                    Content-Type: text/plain; charset=utf-8

                    Anbei, grüße.
                    --m
                    Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=s

                    --s
                    Content-Type: text/plain; charset=us-ascii
                    Content-Transfer-Encoding: quoted-printable

                    signed text
                    --s
                    Content-Type: application/pkcs7-signature
                    Content-Transfer-Encoding: base64

                    MIAGCSqGSIb3DQEHAqCAMIACAQEx
                    --s--
                    --m--
                    """);
            Result r = downgrade(original);
            assertSevenBit(r.bytes());
            String signed = "--s\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                    + "signed text\r\n--s\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    + "MIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n--s--\r\n";
            assertThat(r.text()).contains(signed);
        }

        @Test
        void eightBitOctetsInABase64PartAreRefusedWith5_6_5() {
            byte[] original = crlf("""
                    Subject: broken
                    MIME-Version: 1.0
                    Content-Type: application/octet-stream
                    Content-Transfer-Encoding: base64

                    AAAAü
                    """);
            assertThat(catchDowngrade(original).reply().toString()).startsWith("554 5.6.5");
        }

        @Test
        void headerLineWithoutColonIsRefusedRatherThanDropped() {
            byte[] original = crlf("""
                    Subject: broken
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary=b

                    --b
                    Content-Type: text/plain; charset=utf-8
                    this line has no colon

                    ü
                    --b--
                    """);
            assertThat(catchDowngrade(original).reply().toString()).startsWith("554 5.6.5");
        }

        @Test
        void multipartWithoutAnyDelimiterIsRefusedRatherThanEmptied() {
            byte[] original = crlf("""
                    Subject: wrong boundary
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary=expected

                    --other
                    Content-Type: text/plain; charset=utf-8

                    Der eigentliche Inhalt, für den Empfänger.
                    --other--
                    """);
            assertThat(catchDowngrade(original).reply().toString()).startsWith("554 5.6.5");
        }

        @Test
        void temporaryFilesAreRemovedWhenTheDowngradeIsRefused() throws Exception {
            String big = "ä".repeat(100_000);   // 200 KB: spilled to a file
            byte[] original = crlf("Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/signed; boundary=s\n\n"
                    + big + "\n--s\nContent-Type: text/plain; charset=utf-8\n\n" + big + "\n--s--\n");
            assertThat(catchDowngrade(original).reply().toString()).startsWith("554 5.6.2");
            try (Stream<Path> files = Files.list(spill)) {
                assertThat(files).isEmpty();
            }
        }

        DowngradeException catchDowngrade(byte[] original) {
            try {
                downgrade(original);
            } catch (DowngradeException e) {
                return e;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            throw new AssertionError("downgraded");
        }
    }

    @Nested
    class QuotedPrintable {
        static byte[] encode(byte[] in) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream qp = new QuotedPrintableEncoder(out)) {
                qp.write(in);
            }
            return out.toByteArray();
        }

        /** RFC 2045 6.7: lines of at most 76, no white space at a line end, only allowed characters. */
        static void assertWellFormed(byte[] encoded) {
            String s = new String(encoded, ISO_8859_1);
            for (String line : s.split("\r\n", -1)) {
                assertThat(line.length()).as(line).isLessThanOrEqualTo(76);
                assertThat(line).as("trailing white space").doesNotEndWith(" ").doesNotEndWith("\t");
                assertThat(line.chars().allMatch(c -> c == '\t' || c >= 32 && c <= 126)).as(line).isTrue();
            }
        }

        @ParameterizedTest
        @ValueSource(strings = {
            "",
            "plain",
            "trailing space \r\nand tab\t\r\n",
            "ends in space ",
            "ends in tab\t",
            "two spaces  \r\n  lead and  inner",
            "= equals =3D and ==",
            "bare\rCR and bare\nLF and CR at end\r",
            "space then bare CR \rx",
            "ümlaut ß and 日本語\r\n",
            ".leading dot\r\n.\r\n",
        })
        void roundTrips(String text) throws Exception {
            byte[] in = text.getBytes(UTF_8);
            byte[] encoded = encode(in);
            assertWellFormed(encoded);
            assertThat(qpDecodeStrict(encoded)).isEqualTo(in);
        }

        @Test
        void softLineBreaksKeepLongLinesWithin76() throws Exception {
            String line = "0123456789".repeat(25);            // 250 characters, then a hard break
            byte[] in = (line + "\r\n" + "é".repeat(100) + " \r\n").getBytes(UTF_8);
            byte[] encoded = encode(in);
            assertWellFormed(encoded);
            String s = new String(encoded, ISO_8859_1);
            assertThat(s).contains("=\r\n");                   // soft breaks
            assertThat(s.split("\r\n")[0]).hasSize(76).endsWith("=");
            assertThat(s).endsWith("=20\r\n");                 // the space before CRLF is encoded
            assertThat(qpDecodeStrict(encoded)).isEqualTo(in);
        }

        @Test
        void knownEncodings() throws Exception {
            assertThat(new String(encode("a \r\nb\t".getBytes(UTF_8)), ISO_8859_1)).isEqualTo("a=20\r\nb=09");
            assertThat(new String(encode("x=y".getBytes(UTF_8)), ISO_8859_1)).isEqualTo("x=3Dy");
            assertThat(new String(encode("é".getBytes(UTF_8)), ISO_8859_1)).isEqualTo("=C3=A9");
            assertThat(new String(encode("a\nb".getBytes(UTF_8)), ISO_8859_1)).isEqualTo("a=0Ab");
        }

        @Test
        void randomOctetsRoundTrip() throws Exception {
            Random random = new Random(42);
            byte[] alphabet = " \t\r\n=abcXYZ.\u00e9\u00ff\u0000".getBytes(ISO_8859_1);
            for (int round = 0; round < 300; round++) {
                byte[] in = new byte[random.nextInt(400)];
                for (int i = 0; i < in.length; i++) {
                    in[i] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
                }
                byte[] encoded = encode(in);
                assertWellFormed(encoded);
                assertThat(qpDecodeStrict(encoded)).as("round %d", round).isEqualTo(in);
            }
        }

        @Test
        void partWithoutFinalLineBreakKeepsItsTrailingSpace() throws Exception {
            // Inside a multipart the CRLF before the delimiter is not content: "ü " ends in a space, which
            // must survive the delimiter's line break (RFC 2045 6.7 rule 3).
            byte[] original = crlf("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
                    + "--b\nContent-Type: text/plain; charset=utf-8\n\nü \n--b--\n");
            Result r = downgrade(original);
            assertThat(r.text()).contains("\r\n\r\n=C3=BC=20\r\n--b--");
            assertThat(body(leaves(parse(r.bytes(), true)).getFirst())).isEqualTo("ü ".getBytes(UTF_8));
        }
    }

    @Nested
    class Streaming {
        static final long ATTACHMENT = 50L * 1024 * 1024;

        /** A message with a 50 MB 8-bit attachment, generated as it is read: the test never holds it either. */
        static InputStream fiftyMegabyteMessage() {
            byte[] head = crlf("From: a@example.com\nSubject: big\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
                    + "--b\nContent-Type: text/plain; charset=utf-8\n\nHier kommt's: ü\n"
                    + "--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: 8bit\n\n");
            byte[] tail = crlf("\n--b--\n");
            return new SequenceOfStreams(new ByteArrayInputStream(head), new Pattern8Bit(ATTACHMENT), new ByteArrayInputStream(tail));
        }

        @Test
        void fiftyMegabytePartGoesThroughATemporaryFile() throws Exception {
            AtomicLong largestSpill = new AtomicLong();
            DecodingSink sink = new DecodingSink(() -> {
                try (Stream<Path> files = Files.list(spill)) {
                    for (Path p : files.toList()) {
                        largestSpill.accumulateAndGet(Files.size(p), Math::max);
                    }
                }
            });
            int n = new EightBitDowngrade(spill).downgrade(Streaming::fiftyMegabyteMessage, sink);
            sink.finish();

            assertThat(n).isEqualTo(2);
            // The attachment was buffered on disk, whole, while it was encoded...
            assertThat(largestSpill.get()).isEqualTo(ATTACHMENT);
            // ...and nothing stays behind.
            try (Stream<Path> files = Files.list(spill)) {
                assertThat(files).isEmpty();
            }
            // Decoded, the attachment is exactly the pattern that went in.
            assertThat(sink.decodedLength).isEqualTo(ATTACHMENT);
            CRC32 expected = new CRC32();
            try (InputStream in = new Pattern8Bit(ATTACHMENT)) {
                byte[] buf = new byte[65536];
                int k;
                while ((k = in.read(buf)) > 0) {
                    expected.update(buf, 0, k);
                }
            }
            assertThat(sink.crc.getValue()).isEqualTo(expected.getValue());
            assertThat(sink.eightBitSeen).isFalse();
        }

        /** Octets 0..255 except CR and LF, over and over. */
        static final class Pattern8Bit extends InputStream {
            private long remaining;
            private int next;

            Pattern8Bit(long length) {
                this.remaining = length;
            }

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (remaining == 0) {
                    return -1;
                }
                int n = (int) Math.min(len, remaining);
                for (int i = 0; i < n; i++) {
                    int v = next++ & 0xFF;
                    if (v == '\r' || v == '\n') {
                        v = 0x80 | v;
                    }
                    b[off + i] = (byte) v;
                }
                remaining -= n;
                return n;
            }
        }

        /** Concatenates streams (SequenceInputStream without the Enumeration). */
        static final class SequenceOfStreams extends InputStream {
            private final InputStream[] parts;
            private int current;

            SequenceOfStreams(InputStream... parts) {
                this.parts = parts;
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                while (current < parts.length) {
                    int n = parts[current].read(b, off, len);
                    if (n > 0) {
                        return n;
                    }
                    current++;
                }
                return -1;
            }
        }

        /**
         * Receives the converted message without keeping it: finds the base64 body of the second part,
         * decodes it on the fly into a CRC, and checks every octet is 7-bit.
         */
        static final class DecodingSink extends OutputStream {
            interface Probe {
                void run() throws IOException;
            }

            private final Probe onBase64Start;
            private final ByteArrayOutputStream window = new ByteArrayOutputStream();
            private final ByteArrayOutputStream base64Chunk = new ByteArrayOutputStream();
            private boolean inBase64;
            private boolean probed;
            final CRC32 crc = new CRC32();
            long decodedLength;
            boolean eightBitSeen;

            DecodingSink(Probe onBase64Start) {
                this.onBase64Start = onBase64Start;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int i = off; i < off + len; i++) {
                    eightBitSeen |= b[i] < 0;
                    if (inBase64) {
                        if (b[i] == '-') {          // the closing delimiter; base64 has no '-'
                            inBase64 = false;
                            decode();
                        } else {
                            base64Chunk.write(b[i]);
                            if (base64Chunk.size() >= 78 * 1024) {
                                decodeWholeLines();
                            }
                        }
                        continue;
                    }
                    window.write(b[i]);
                    if (window.toString(ISO_8859_1).endsWith("Content-Transfer-Encoding: base64\r\n\r\n")) {
                        inBase64 = true;
                        window.reset();
                        if (!probed) {
                            probed = true;
                            onBase64Start.run();
                        }
                    } else if (window.size() > 4096) {
                        byte[] keep = window.toByteArray();
                        window.reset();
                        window.write(keep, keep.length - 100, 100);
                    }
                }
            }

            /** Decodes the base64 text collected so far up to its last CRLF (76 characters = 57 octets a line). */
            private void decodeWholeLines() throws IOException {
                byte[] all = base64Chunk.toByteArray();
                int end = all.length;
                while (end > 0 && all[end - 1] != '\n') {
                    end--;
                }
                feed(all, end);
                base64Chunk.reset();
                base64Chunk.write(all, end, all.length - end);
            }

            private void decode() throws IOException {
                byte[] all = base64Chunk.toByteArray();
                feed(all, all.length);
                base64Chunk.reset();
            }

            private void feed(byte[] text, int len) throws IOException {
                try (InputStream in = new Base64InputStream(new ByteArrayInputStream(text, 0, len), true)) {
                    byte[] decoded = in.readAllBytes();
                    crc.update(decoded);
                    decodedLength += decoded.length;
                }
            }

            void finish() throws IOException {
                if (inBase64) {
                    decode();
                }
            }
        }
    }

    static String crlfString(String s) {
        return new String(crlf(s), UTF_8);
    }
}
