package dev.mailroom.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailroom.smtp.SmtpInput.Framing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The framing layer on byte streams: command lines, DATA and BDAT (RFC 5321 sections 2.3.8, 4.5.2; RFC 3030). */
class SmtpInputTest {

    /** Delivers at most {@code step} octets per read, so every buffer boundary gets exercised. */
    private static final class Trickle extends InputStream {
        private final byte[] data;
        private final int step;
        private int pos;

        Trickle(byte[] data, int step) {
            this.data = data;
            this.step = step;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, step), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static SmtpInput input(String s) {
        return new SmtpInput(new ByteArrayInputStream(bytes(s)), () -> { });
    }

    private static SmtpInput input(byte[] s, int step) {
        return new SmtpInput(new Trickle(s, step), () -> { });
    }

    /** Everything readData reports, plus what follows it on the stream (one line). */
    private record DataOutcome(Framing framing, String content, long size, boolean tooBig, int longest, String next) {}

    private static DataOutcome data(SmtpInput in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SmtpInput.DataResult r = in.readData(out, max);
        SmtpInput.Line next = in.readLine(100);
        return new DataOutcome(r.framing(), out.toString(StandardCharsets.ISO_8859_1), r.size(), r.tooBig(),
                r.longestLine(), next.framing() + ":" + next.text());
    }

    private static List<String> lines(SmtpInput in, int max) throws IOException {
        List<String> out = new ArrayList<>();
        while (true) {
            SmtpInput.Line l = in.readLine(max);
            out.add(l.framing() + ":" + l.text());
            if (l.framing() == Framing.EOF || l.framing() == Framing.BARE_NEWLINE) {
                return out;
            }
        }
    }

    @Test
    void SMTP_24_linesEndOnlyAtCrlfAndKeepTheirBytes() throws IOException {
        assertThat(lines(input("EHLO a\r\nNOOP  x \r\n\r\n"), 512))
                .containsExactly("OK:EHLO a", "OK:NOOP  x ", "OK:", "EOF:");
    }

    @Test
    void SMTP_24_lineOfExactlyTheLimitIsOkOneMoreIsTooLongAndTheStreamResynchronises() throws IOException {
        String ok = "N".repeat(512);
        String tooLong = "X".repeat(3000);
        assertThat(lines(input(ok + "\r\n" + tooLong + "\r\nNOOP\r\n"), 512))
                .containsExactly("OK:" + ok, "TOO_LONG:", "OK:NOOP", "EOF:");
        assertThat(lines(input("N".repeat(513) + "\r\nQUIT\r\n"), 512)).containsExactly("TOO_LONG:", "OK:QUIT", "EOF:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"NOOP\nNOOP\r\n", "NOOP\rNOOP\r\n", "NO\rOP\r\n", "\n", "NOOP\r\r\n"})
    void DATA_01_bareCrOrLfInACommandIsBareNewline(String raw) throws IOException {
        assertThat(input(raw).readLine(512).framing()).isEqualTo(Framing.BARE_NEWLINE);
    }

    @Test
    void DATA_01_bareLfInsideATooLongLineIsStillBareNewline() throws IOException {
        assertThat(input("X".repeat(600) + "\nNOOP\r\n").readLine(512).framing()).isEqualTo(Framing.BARE_NEWLINE);
    }

    @Test
    void eofInTheMiddleOfALineIsEof() throws IOException {
        assertThat(lines(input("NOOP\r\nQUI"), 512)).containsExactly("OK:NOOP", "EOF:");
        assertThat(lines(input("NOOP\r"), 512)).containsExactly("EOF:");
    }

    @Test
    void SMTP_29_dotUnstuffingIsExact() throws IOException {
        DataOutcome d = data(input("..x\r\n..\r\n...\r\na.b\r\n.y\r\n\r\n.\r\nNOOP\r\n"), 1000);
        assertThat(d.framing()).isEqualTo(Framing.OK);
        // a leading dot is removed from every line; a lone ".." line becomes "."
        assertThat(d.content()).isEqualTo(".x\r\n.\r\n..\r\na.b\r\ny\r\n\r\n");
        assertThat(d.size()).isEqualTo(d.content().length());
        assertThat(d.next()).isEqualTo("OK:NOOP");
    }

    @Test
    void SMTP_29_immediateTerminatorGivesEmptyContent() throws IOException {
        DataOutcome d = data(input(".\r\nQUIT\r\n"), 1000);
        assertThat(d.framing()).isEqualTo(Framing.OK);
        assertThat(d.content()).isEmpty();
        assertThat(d.size()).isZero();
        assertThat(d.next()).isEqualTo("OK:QUIT");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\r\n. \r\nb\r\n.\r\n", "a\r\n.x.\r\n.\r\n", "a.\r\n.\r\n"})
    void DATA_01_terminatorOnlyAtCrlfDotCrlf(String raw) throws IOException {
        DataOutcome d = data(input(raw + "NOOP\r\n"), 1000);
        assertThat(d.framing()).isEqualTo(Framing.OK);
        assertThat(d.next()).isEqualTo("OK:NOOP");
        assertThat(d.content()).doesNotContain("NOOP");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "body\n.\nMAIL FROM:<x@y>\r\n.\r\n",          // <LF>.<LF>
            "body\n.\r\nMAIL FROM:<x@y>\r\n.\r\n",        // <LF>.<CRLF> (the SEC Consult key variant)
            "body\r\n.\nMAIL FROM:<x@y>\r\n.\r\n",        // <CRLF>.<LF>
            "body\r.\rMAIL FROM:<x@y>\r\n.\r\n",          // <CR>.<CR>
            "body\r\r\n.\r\r\nMAIL FROM:<x@y>\r\n.\r\n",  // <CR><CR><LF>.<CR><CR><LF>
            "body\r\n.\r\r\nMAIL FROM:<x@y>\r\n.\r\n",    // <CRLF>.<CR><CR><LF>
            "body\n\r\n.\r\n",                            // bare LF anywhere
            "bo\rdy\r\n.\r\n"                             // bare CR anywhere
    })
    void DATA_02_everySmugglingVariantIsBareNewline(String raw) throws IOException {
        for (int step : new int[] {1, 2, 3, 7, 64 * 1024}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SmtpInput.DataResult r = input(bytes(raw), step).readData(out, 10_000);
            assertThat(r.framing()).as("step %d", step).isEqualTo(Framing.BARE_NEWLINE);
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).doesNotContain("MAIL");
        }
    }

    @Test
    void SIZE_05_sizeLimitIsReportedAfterTheTerminatorAndTheStreamStaysInSync() throws IOException {
        String line = "x".repeat(98) + "\r\n"; // 100 octets per line
        DataOutcome d = data(input(line.repeat(11) + ".\r\nRSET\r\n"), 1000);
        assertThat(d.framing()).isEqualTo(Framing.OK);
        assertThat(d.tooBig()).isTrue();
        assertThat(d.size()).isEqualTo(1100);
        assertThat(d.next()).isEqualTo("OK:RSET");

        DataOutcome exact = data(input(line.repeat(10) + ".\r\n"), 1000);
        assertThat(exact.tooBig()).isFalse();
        assertThat(exact.size()).isEqualTo(1000);
        assertThat(exact.content()).isEqualTo(line.repeat(10));
    }

    @Test
    void SMTP_26_longestLineIsCountedWithoutCrlfAndWithoutTheStuffingDot() throws IOException {
        DataOutcome d = data(input("ab\r\n." + "y".repeat(997) + "\r\ncd\r\n.\r\n"), 10_000);
        assertThat(d.longest()).isEqualTo(997);
        DataOutcome unterminatedLast = data(input("ab\r\n" + "z".repeat(20)), 10_000);
        assertThat(unterminatedLast.framing()).isEqualTo(Framing.EOF);
        assertThat(unterminatedLast.longest()).isEqualTo(20);
    }

    @Test
    void SMTP_18_eofInDataIsEof() throws IOException {
        assertThat(data(input("From: a\r\n\r\nbody\r\n"), 1000).framing()).isEqualTo(Framing.EOF);
        assertThat(data(input("body\r\n."), 1000).framing()).isEqualTo(Framing.EOF);
        assertThat(data(input("body\r\n.\r"), 1000).framing()).isEqualTo(Framing.EOF);
    }

    @Test
    void CHUNK_01_readExactlyTakesExactlyTheAnnouncedOctets() throws IOException {
        SmtpInput in = input("abc\r\nBDAT 0 LAST\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(in.readExactly(3, out)).isTrue();
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("abc");
        assertThat(in.readLine(100).text()).isEmpty(); // the CRLF after "abc" is the next line
        assertThat(in.readLine(100).text()).isEqualTo("BDAT 0 LAST");
        assertThat(input("ab").readExactly(3, new ByteArrayOutputStream())).isFalse();
    }

    @Test
    void TLS_10_discardBufferedDropsPipelinedPlaintext() throws IOException {
        SmtpInput in = input("STARTTLS\r\nNOOP\r\n");
        assertThat(in.readLine(100).text()).isEqualTo("STARTTLS");
        assertThat(in.hasBuffered()).isTrue();
        assertThat(in.discardBuffered()).isEqualTo(6);
        assertThat(in.hasBuffered()).isFalse();
        in.replaceStream(new ByteArrayInputStream(bytes("EHLO x\r\n")));
        assertThat(in.readLine(100).text()).isEqualTo("EHLO x");
    }

    /** The same session transcript, read whole and one to seven bytes at a time, gives identical results. */
    @Test
    void splittingTheStreamAtEveryPositionGivesIdenticalResults() throws IOException {
        String transcript = "EHLO a\r\nMAIL FROM:<a@b>\r\n" + "X".repeat(40) + "\r\nDATA\r\n"
                + "..x\r\n..\r\n.y\r\nline\r\n\r\n.\r\nBDAT 5\r\nNOOP\r\n" + "Y".repeat(700) + "\r\n"
                + "RSET\r\nDATA\r\nshort\r\nlonger line here\r\n.\r\nDATA\r\nbad\r\n.\nQUIT\r\n";
        String whole = replay(input(bytes(transcript), 64 * 1024));
        assertThat(whole).contains("TOO_LONG", "BARE_NEWLINE", "data:OK:.x\r\n.\r\ny\r\nline\r\n\r\n|", "exact:NOOP\r");
        for (int step = 1; step <= 7; step++) {
            assertThat(replay(input(bytes(transcript), step))).as("step %d", step).isEqualTo(whole);
        }
    }

    private static String replay(SmtpInput in) throws IOException {
        StringBuilder log = new StringBuilder();
        while (true) {
            SmtpInput.Line l = in.readLine(32);
            log.append(l.framing()).append(':').append(l.text()).append('|');
            if (l.framing() == Framing.EOF) {
                return log.toString();
            }
            if (l.text().equals("DATA")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                SmtpInput.DataResult r = in.readData(out, 20);
                // once over the limit the content is discarded anyway; how much reached the sink before is not part of the contract
                log.append("data:").append(r.framing()).append(':').append(r.tooBig() ? "" : out.toString(StandardCharsets.ISO_8859_1))
                        .append('|').append(r.size()).append(r.tooBig()).append(r.longestLine()).append('|');
            } else if (l.text().startsWith("BDAT ")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.readExactly(Long.parseLong(l.text().substring(5)), out);
                log.append("exact:").append(out.toString(StandardCharsets.ISO_8859_1)).append('|');
            }
        }
    }
}
