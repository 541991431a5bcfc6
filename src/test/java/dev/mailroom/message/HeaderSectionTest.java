package dev.mailroom.message;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.NoSuchElementException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderSectionTest {

    static final String SAMPLE = "Received: from a by b;\r\n\tMon, 1 Jan 2024 00:00:00 +0000\r\n"
            + "From: Alice <alice@example.org>\r\n"
            + "To: bob@example.org,\r\n  carol@example.org\r\n"
            + "Subject: =?UTF-8?Q?h=C3=A9?=\r\n"
            + "X-Odd :  spaced name\r\n"
            + "X-Empty:\r\n";

    static HeaderSection parse(String s) throws MessageFormatException {
        return HeaderSection.parse(s.getBytes(UTF_8));
    }

    static MessageFormatException fail(String s) {
        try {
            parse(s);
        } catch (MessageFormatException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    @Nested
    class Parsing {
        @Test
        void splitsFieldsWithFolding() throws Exception {
            HeaderSection h = parse(SAMPLE);
            assertThat(h.fields()).extracting(HeaderField::name)
                    .containsExactly("Received", "From", "To", "Subject", "X-Odd", "X-Empty");
            assertThat(h.first("to").orElseThrow().value()).isEqualTo("bob@example.org,  carol@example.org");
            assertThat(h.first("Received").orElseThrow().value()).isEqualTo("from a by b;\tMon, 1 Jan 2024 00:00:00 +0000");
            assertThat(new String(h.first("TO").orElseThrow().raw(), UTF_8))
                    .isEqualTo("To: bob@example.org,\r\n  carol@example.org\r\n");
        }

        @Test
        void wspBeforeColonAcceptedAsObsSyntax() throws Exception {
            HeaderField f = parse(SAMPLE).first("x-odd").orElseThrow();
            assertThat(f.name()).isEqualTo("X-Odd");
            assertThat(f.value()).isEqualTo("spaced name");
        }

        @Test
        void emptyValue() throws Exception {
            assertThat(parse(SAMPLE).first("X-Empty").orElseThrow().value()).isEmpty();
        }

        @Test
        void emptySection() throws Exception {
            HeaderSection h = HeaderSection.parse(new byte[0]);
            assertThat(h.fields()).isEmpty();
            assertThat(h.toBytes()).isEmpty();
        }

        @Test
        void colonInValueAndEmptyNameCharsAllowed() throws Exception {
            HeaderField f = parse("X-Time: 12:30:00\r\n").fields().getFirst();
            assertThat(f.value()).isEqualTo("12:30:00");
        }

        @Test
        void utf8ValueDecoded() throws Exception {
            assertThat(parse("Subject: héllo 用户\r\n").first("subject").orElseThrow().value()).isEqualTo("héllo 用户");
        }

        @Test
        void latin1FallbackForInvalidUtf8() throws Exception {
            byte[] raw = "Subject: h\u00e9\r\n".getBytes(ISO_8859_1);
            assertThat(HeaderSection.parse(raw).first("Subject").orElseThrow().value()).isEqualTo("h\u00e9");
        }

        @Test
        void allAndCountAreCaseInsensitive() throws Exception {
            HeaderSection h = parse("Received: a\r\nreceived: b\r\nRECEIVED: c\r\nX: y\r\n");
            assertThat(h.count("Received")).isEqualTo(3);
            assertThat(h.all("received")).extracting(HeaderField::value).containsExactly("a", "b", "c");
            assertThat(h.first("missing")).isEmpty();
            assertThat(h.count("missing")).isZero();
        }
    }

    @Nested
    class Errors {
        @ParameterizedTest(name = "rejects {0}")
        @CsvSource(delimiter = '|', value = {
            "no colon here\\r\\n|header line without colon",
            "From: a\\r\\nno colon\\r\\n|header line without colon",
            "' From: a\\r\\n'|header section starts with a continuation line",
            "\\tFrom: a\\r\\n|header section starts with a continuation line",
            ": value\\r\\n|empty header field name",
            "' : value\\r\\n'|header section starts with a continuation line",
            "Fr\\u0001om: a\\r\\n|invalid character in header field name",
            "Fr om: a\\r\\n|invalid character in header field name",
            "From: a\\nTo: b\\r\\n|bare LF in header section",
            "From: a\\rTo: b\\r\\n|bare CR in header section",
            "From: a|header section does not end with CRLF",
            "From: a\\r\\n\\r\\n|empty line in header section",
        })
        void malformed(String in, String reason) {
            String s = in.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\u0001", "\u0001");
            assertThat(fail(s).reason()).isEqualTo(reason);
        }

        @Test
        void nonAsciiFieldNameRejected() {
            assertThat(fail("Sübject: x\r\n").reason()).isEqualTo("invalid character in header field name");
        }
    }

    @Nested
    class Smtp26LineLength {
        static String lineOf(int octets) {
            return "X-Long: " + "a".repeat(octets - "X-Long: ".length());
        }

        @Test
        void lineOf998OctetsAccepted() throws Exception {
            String s = "From: a@b\r\n" + lineOf(998) + "\r\n";
            assertThat(parse(s).count("X-Long")).isEqualTo(1);
        }

        @Test
        void lineOf999OctetsRejected() {
            assertThat(fail("From: a@b\r\n" + lineOf(999) + "\r\n").reason()).isEqualTo("header line longer than 998 octets");
        }

        @Test
        void continuationLineOf999OctetsRejected() {
            assertThat(fail("X: a\r\n " + "b".repeat(998) + "\r\n").reason()).contains("998");
        }

        @Test
        void foldedFieldLongerThan998InTotalIsFine() throws Exception {
            String s = "X: " + "a".repeat(900) + "\r\n " + "b".repeat(900) + "\r\n";
            assertThat(parse(s).first("X").orElseThrow().value()).hasSize(1801);
        }

        @Test
        void octetsNotCharactersAreCounted() {
            // 499 two-octet characters = 998 octets of value plus the name: too long.
            assertThat(fail("X: " + "é".repeat(499) + "\r\n").reason()).contains("998");
        }

        @Test
        void lineOf2000OctetsRejected() {
            assertThat(fail(lineOf(2000) + "\r\n").reason()).contains("998");
        }
    }

    @Nested
    class Hdr02Duplicates {
        @Test
        void twoFromHeaders() throws Exception {
            assertThat(parse("From: a@x\r\nTo: b@y\r\nfrom: c@z\r\n").firstDuplicateSingleton()).contains("From");
        }

        @Test
        void firstDuplicateInOrderOfSecondOccurrence() throws Exception {
            HeaderSection h = parse("Subject: a\r\nTo: x\r\nTo: y\r\nSubject: b\r\n");
            assertThat(h.firstDuplicateSingleton()).contains("To");
        }

        @Test
        void repeatableFieldsAreFine() throws Exception {
            assertThat(parse(SAMPLE + "Received: again\r\nComments: a\r\nComments: b\r\nKeywords: k\r\nKeywords: l\r\n")
                    .firstDuplicateSingleton()).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Message-ID", "In-Reply-To",
            "References", "Subject", "Date", "message-id", "DATE"})
        void everySingleton(String name) throws Exception {
            assertThat(HeaderSection.SINGLETONS.contains(name)).isTrue();
            assertThat(parse(name + ": 1\r\n" + name + ": 2\r\n").firstDuplicateSingleton()).isPresent();
        }

        @Test
        void singletonsHasElevenEntries() {
            assertThat(HeaderSection.SINGLETONS).hasSize(11).doesNotContain("Received", "Comments", "Keywords");
        }
    }

    @Nested
    class Hdr10RoundTripAndEditing {
        @ParameterizedTest
        @ValueSource(strings = {SAMPLE, "A: b\r\n", "X:no-space\r\n", "X: trailing  \r\n",
            "X: a\r\n\t\r\n b\r\n", "Subject: héllo\r\n"})
        void byteIdenticalRoundTrip(String s) throws Exception {
            byte[] raw = s.getBytes(UTF_8);
            assertThat(HeaderSection.parse(raw).toBytes()).isEqualTo(raw);
        }

        @Test
        void latin1BytesSurviveRoundTrip() throws Exception {
            byte[] raw = {'X', ':', ' ', (byte) 0xE9, (byte) 0xFF, '\r', '\n'};
            assertThat(HeaderSection.parse(raw).toBytes()).isEqualTo(raw);
        }

        @Test
        void prependAppendReplaceRemoveKeepOtherBytes() throws Exception {
            HeaderSection h = parse(SAMPLE);
            h.prepend(HeaderField.of("Received", "from x by y; Tue, 2 Jan 2024 00:00:00 +0000"));
            h.append(HeaderField.of("Message-ID", "<1@example.org>"));
            HeaderField to = h.first("To").orElseThrow();
            h.replace(to, HeaderField.of("To", "bob@example.org, carol@example.org"));
            h.remove(h.first("X-Empty").orElseThrow());
            String out = new String(h.toBytes(), UTF_8);
            assertThat(out).isEqualTo("Received: from x by y; Tue, 2 Jan 2024 00:00:00 +0000\r\n"
                    + "Received: from a by b;\r\n\tMon, 1 Jan 2024 00:00:00 +0000\r\n"
                    + "From: Alice <alice@example.org>\r\n"
                    + "To: bob@example.org, carol@example.org\r\n"
                    + "Subject: =?UTF-8?Q?h=C3=A9?=\r\n"
                    + "X-Odd :  spaced name\r\n"
                    + "Message-ID: <1@example.org>\r\n");
        }

        @Test
        void replaceByEqualField() throws Exception {
            HeaderSection h = parse("A: 1\r\nB: 2\r\n");
            h.replace(HeaderField.of("A", "1"), HeaderField.of("A", "3"));
            assertThat(new String(h.toBytes(), UTF_8)).isEqualTo("A: 3\r\nB: 2\r\n");
        }

        @Test
        void replaceMissingFieldFails() throws Exception {
            HeaderSection h = parse("A: 1\r\n");
            assertThatThrownBy(() -> h.replace(HeaderField.of("B", "1"), HeaderField.of("B", "2")))
                    .isInstanceOf(NoSuchElementException.class);
        }

        @Test
        void unterminatedFieldRefused() throws Exception {
            HeaderSection h = parse("A: 1\r\n");
            assertThatThrownBy(() -> h.append(new HeaderField("B", "B: 2".getBytes(UTF_8))))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void fieldsIsASnapshot() throws Exception {
            HeaderSection h = parse("A: 1\r\n");
            assertThatThrownBy(() -> h.fields().add(HeaderField.of("B", "2")))
                    .isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void fieldBytesAreDefensivelyCopied() {
            byte[] raw = "A: 1\r\n".getBytes(UTF_8);
            HeaderField f = new HeaderField("A", raw);
            raw[3] = '2';
            f.raw()[3] = '3';
            assertThat(f.value()).isEqualTo("1");
        }
    }
}
