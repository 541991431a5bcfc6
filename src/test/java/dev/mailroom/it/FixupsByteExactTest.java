package dev.mailroom.it;

import static dev.mailroom.it.Submit.expectOk;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.it.Submit.Mode;
import dev.mailroom.it.Submit.Parts;
import dev.mailroom.it.Submit.Port;
import dev.mailroom.sink.ReceivedMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 6409 section 8 fix-ups are the only change: the relayed bytes equal the submitted bytes once the
 * prepended Received and the appended Date/Message-ID/Sender are taken out (HDR-10, MSA-22, MSA-29).
 */
class FixupsByteExactTest {
    @TempDir
    static Path dir;
    static MailroomFixture mr;

    /** RFC 5322 section 3.3 date-time with a numeric zone, no obs- forms (HDR-06), parsed strictly. */
    static final DateTimeFormatter STRICT = DateTimeFormatter.ofPattern("EEE, d MMM uuuu HH:mm:ss xx", Locale.ENGLISH)
            .withResolverStyle(ResolverStyle.STRICT);

    @BeforeAll
    static void start() throws Exception {
        mr = MailroomFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        mr.close();
    }

    static Stream<Arguments> paths() {
        return Stream.of(Port.values()).flatMap(p -> Stream.of(Mode.values()).map(m -> Arguments.of(p, m)));
    }

    static byte[] bytes(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String p : parts) {
            out.writeBytes(p.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Port.class)
    void CHUNK_bdatContentWithoutFinalCrlfGetsOnlyTheCrlfDataNeeds(Port port) throws Exception {
        Mode mode = Mode.BDAT; // only BDAT can carry content that does not end with CRLF
        String m = "m-" + UUID.randomUUID();
        byte[] message = bytes("From: alice@example.com\r\nX-Marker: ", m, "\r\n\r\nno final newline");
        ReceivedMessage r = submit(port, mode, "", List.of("carol@remote.example"), message);
        // relayed with DATA (the sink offers no CHUNKING), which needs the content to end with CRLF
        assertThat(latin1(Submit.withoutAdded(r.data(), "Date", "Message-ID"))).isEqualTo(latin1(message) + "\r\n");
    }

    private ReceivedMessage submit(Port port, Mode mode, String mailParams, List<String> rcpts, byte[] message)
            throws Exception {
        try (SmtpTestClient c = Submit.alice(mr, port)) {
            expectOk(c.cmd("MAIL FROM:<alice@example.com>" + mailParams), 250, "2.1.0");
            for (String r : rcpts) {
                expectOk(c.cmd("RCPT TO:<" + r + ">"), 250, "2.1.5");
            }
            expectOk(Submit.content(c, mode, message), 250, "2.0.0");
        }
        String marker = new String(message, StandardCharsets.UTF_8).replaceAll("(?s).*X-Marker: (\\S+).*", "$1");
        return Submit.awaitMarker(mr.sink, marker);
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_24_25_foldedHeaders8bitBodyLongLinesAndDotsArriveByteIdentical(Port port, Mode mode) throws Exception {
        String m = "m-" + UUID.randomUUID();
        byte[] message = bytes(
                "Received: from old.example by earlier.example; Mon, 1 Jan 2024 00:00:00 +0000\r\n",
                "From: Alice <alice@example.com>\r\n",
                "To: Carol <carol@remote.example>,\r\n Dave <dave@remote.example>\r\n",
                "Subject: a folded\r\n\tsubject line  with   spaces \r\n",
                "X-Marker: ", m, "\r\n",
                "MIME-Version: 1.0\r\n",
                "Content-Type: text/plain; charset=utf-8\r\n",
                "Content-Transfer-Encoding: 8bit\r\n",
                "\r\n",
                "Grüße aus Köln, ñ, 日本語\r\n",
                ".leading dot\r\n",
                "..two dots\r\n",
                ".\r\n",
                " trailing space \r\n",
                "\t tab\r\n",
                "\r\n",
                "x".repeat(998), "\r\n",
                "From the start of a line\r\n",
                "last line\r\n");
        ReceivedMessage r = submit(port, mode, " BODY=8BITMIME", List.of("carol@remote.example", "dave@remote.example"), message);
        assertThat(r.mailParams()).contains("BODY=8BITMIME");
        assertThat(latin1(Submit.withoutAdded(r.data(), "Date", "Message-ID"))).isEqualTo(latin1(message));
        Parts p = Parts.of(r.data());
        ZonedDateTime date = ZonedDateTime.parse(p.field("Date"), STRICT);
        assertThat(date).isBetween(ZonedDateTime.now().minusMinutes(5), ZonedDateTime.now().plusMinutes(5));
        assertThat(p.field("Message-ID")).matches("<[0-9A-Z]{15}\\.[0-9a-z]+@mail\\.example\\.com>");
        // HDR-07: generated lines stay within 78 octets where the value allows it
        for (String line : p.header().split("\r\n")) {
            if (line.startsWith("Received:") || line.startsWith(" ") || line.startsWith("Date:") || line.startsWith("Message-ID:")) {
                assertThat(line.length()).as(line).isLessThanOrEqualTo(78);
            }
        }
        // the earlier trace field stays right below the new one (RFC 5321 section 4.4)
        assertThat(p.fields().get(1)).isEqualTo("Received: from old.example by earlier.example; Mon, 1 Jan 2024 00:00:00 +0000");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_24_25_existingDateAndMessageIdAreUntouched(Port port, Mode mode) throws Exception {
        String m = "m-" + UUID.randomUUID();
        byte[] message = bytes(
                "Date:   Tue, 2 Jan 2024 10:11:12 -0500 (EST)\r\n",
                "From: alice@example.com\r\n",
                "Message-ID:\r\n <odd.but.valid@client.example>\r\n",
                "X-Marker: ", m, "\r\n",
                "\r\n",
                "body\r\n");
        ReceivedMessage r = submit(port, mode, "", List.of("carol@remote.example"), message);
        assertThat(latin1(Submit.withoutAdded(r.data()))).isEqualTo(latin1(message));
        Parts p = Parts.of(r.data());
        assertThat(p.count("Date")).isEqualTo(1);
        assertThat(p.count("Message-ID")).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_23_senderAppendedAndUnqualifiedAddressesCompletedInPlace(Port port, Mode mode) throws Exception {
        String m = "m-" + UUID.randomUUID();
        String header = "From: The Team <team@example.com>, alice\r\n"
                + "To: Carol <carol@remote.example>,\r\n bob,\r\n  \"Dave D\" <dave>\r\n"
                + "Cc: eve (the auditor)\r\n"
                + "X-Marker: " + m + "\r\n";
        String expectedHeader = "From: The Team <team@example.com>, alice@example.com\r\n"
                + "To: Carol <carol@remote.example>,\r\n bob@example.com,\r\n  \"Dave D\" <dave@example.com>\r\n"
                + "Cc: eve@example.com (the auditor)\r\n"
                + "X-Marker: " + m + "\r\n";
        byte[] message = bytes(header, "\r\nbody\r\n");
        ReceivedMessage r = submit(port, mode, "", List.of("carol@remote.example"), message);
        assertThat(new String(Submit.withoutAdded(r.data(), "Sender", "Date", "Message-ID"), StandardCharsets.UTF_8))
                .isEqualTo(expectedHeader + "\r\nbody\r\n");
        assertThat(Parts.of(r.data()).field("Sender")).isEqualTo("alice@example.com");
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_24_messageWithoutBodyGetsNoExtraLines(Port port, Mode mode) throws Exception {
        String m = "m-" + UUID.randomUUID();
        byte[] message = bytes("From: alice@example.com\r\nX-Marker: ", m, "\r\n");
        ReceivedMessage r = submit(port, mode, "", List.of("carol@remote.example"), message);
        assertThat(new String(Submit.withoutAdded(r.data(), "Date", "Message-ID"), StandardCharsets.UTF_8))
                .isEqualTo(new String(message, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @MethodSource("paths")
    void MSA_24_emptyBodyAfterSeparatorIsKept(Port port, Mode mode) throws Exception {
        String m = "m-" + UUID.randomUUID();
        byte[] message = bytes("From: alice@example.com\r\nX-Marker: ", m, "\r\n\r\n");
        ReceivedMessage r = submit(port, mode, "", List.of("carol@remote.example"), message);
        assertThat(new String(Submit.withoutAdded(r.data(), "Date", "Message-ID"), StandardCharsets.UTF_8))
                .isEqualTo(new String(message, StandardCharsets.UTF_8));
    }
}
