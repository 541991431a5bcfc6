package dev.mailroom.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mailroom.smtp.SmtpInput.Framing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fuzz targets for what a client controls before any policy runs: the framing of command lines and DATA
 * (RFC 5321 sections 2.3.8 and 4.5.2), the MAIL/RCPT arguments and the base64 of AUTH responses.
 *
 * <p>A normal build replays the checked-in corpus ({@code SmtpInputFuzzTestInputs/<method>/}: the SMTP
 * smuggling variants and RFC edge cases); {@code JAZZER_FUZZ=1} fuzzes one target (README, Tests). Only the
 * declared errors may escape: IOException never does here (the streams are in memory), SmtpException is
 * caught as the answer the client would get, anything else fails the test.
 */
class SmtpInputFuzzTest {

    private static final int LINE_LIMIT = 512;

    /** Hands out at most {@code step} octets per read, so that framing across buffer refills is exercised too. */
    private static InputStream trickle(byte[] data, int step) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    /** Every command line of the input, and each one through the MAIL and RCPT argument parsers. */
    @FuzzTest(maxDuration = "10m")
    void commandLines(byte[] input) throws IOException {
        SmtpInput in = new SmtpInput(trickle(input, 5), () -> { });
        while (true) {
            SmtpInput.Line line = in.readLine(LINE_LIMIT);
            if (line.framing() == Framing.EOF || line.framing() == Framing.BARE_NEWLINE) {
                return; // the session closes on both: nothing after a bare CR or LF is ever a command
            }
            if (line.framing() == Framing.TOO_LONG) {
                assertThat(line.bytes()).isEmpty();
                continue;
            }
            // RFC 5321 section 2.3.8: an accepted line holds neither CR nor LF, and never exceeds the limit.
            assertThat(line.bytes()).hasSizeLessThanOrEqualTo(LINE_LIMIT).doesNotContain((byte) '\r', (byte) '\n');
            String text = line.text();
            for (PathArguments.Offered offered : OFFERS) {
                mailAndRcpt(text, offered);
            }
        }
    }

    private static final PathArguments.Offered[] OFFERS = {
            new PathArguments.Offered(true, true, true, true, 1000),
            new PathArguments.Offered(false, false, false, false, 0),
    };

    private static void mailAndRcpt(String text, PathArguments.Offered offered) {
        String verb = text.length() >= 4 ? text.substring(0, 4) : "";
        String arg = text.substring(verb.length());
        try {
            PathArguments.Mail mail = PathArguments.parseMail(arg, offered);
            // RFC 1870 section 6.1: a SIZE above the limit never gets past MAIL.
            if (offered.maxSize() > 0) {
                assertThat(mail.parameters().declaredSize()).isLessThanOrEqualTo(offered.maxSize());
            }
        } catch (SmtpException e) {
            assertReply(e);
        }
        for (boolean utf8 : new boolean[] {true, false}) {
            try {
                assertThat(PathArguments.parseRcpt(arg, offered, utf8).mailbox()).isNotNull();
            } catch (SmtpException e) {
                assertReply(e);
            }
        }
    }

    /** A refusal is a 4xx/5xx reply with an enhanced status code of the same class (RFC 3463). */
    private static void assertReply(SmtpException e) {
        SmtpReply reply = e.reply();
        assertThat(reply.code()).isBetween(400, 599);
        assertThat(reply.enhanced()).matches("[45]\\.[0-9]{1,3}\\.[0-9]{1,3}").startsWith(String.valueOf(reply.code() / 100));
    }

    /**
     * DATA content up to CRLF.CRLF, checked against a plain line-by-line reading of RFC 5321 section 4.5.2
     * (a line of one dot ends the data; any other leading dot is deleted) in which only CRLF ends a line
     * (section 2.3.8). When the framing is OK the content is CRLF-clean, so no bare CR or LF, and no second
     * message behind one, gets through (DATA-03, SMTP smuggling); what follows the terminator stays unread.
     */
    @FuzzTest(maxDuration = "10m")
    void dataDecoding(byte[] input) throws IOException {
        Reference expected = Reference.decode(input);
        for (int step : new int[] {input.length + 1, 3}) {
            SmtpInput in = new SmtpInput(trickle(input, step), () -> { });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SmtpInput.DataResult result = in.readData(out, 1 << 20);
            byte[] content = out.toByteArray();
            assertThat((long) content.length).isEqualTo(result.size());
            assertThat(result.framing()).isEqualTo(expected.framing());
            if (result.framing() != Framing.OK) {
                continue;
            }
            assertThat(content).isEqualTo(expected.content());
            assertCrlfClean(content);
            byte[] rest = Arrays.copyOfRange(input, expected.end(), input.length);
            ByteArrayOutputStream after = new ByteArrayOutputStream();
            assertThat(in.readExactly(rest.length, after)).isTrue();
            assertThat(after.toByteArray()).isEqualTo(rest);
        }
    }

    /** The obvious decoder, written independently of the state machine in SmtpInput. */
    private record Reference(Framing framing, byte[] content, int end) {
        static Reference decode(byte[] in) {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            int start = 0;
            while (true) {
                int eol = start;
                while (eol < in.length && in[eol] != '\r' && in[eol] != '\n') {
                    eol++;
                }
                if (eol == in.length || (in[eol] == '\r' && eol + 1 == in.length)) {
                    return new Reference(Framing.EOF, content.toByteArray(), in.length);
                }
                if (in[eol] == '\n' || in[eol + 1] != '\n') {
                    return new Reference(Framing.BARE_NEWLINE, content.toByteArray(), eol + 1);
                }
                boolean dot = in[start] == '.' && start < eol;
                if (dot && eol - start == 1) {
                    return new Reference(Framing.OK, content.toByteArray(), eol + 2);
                }
                int from = dot ? start + 1 : start;
                content.write(in, from, eol + 2 - from);
                start = eol + 2;
            }
        }
    }

    private static void assertCrlfClean(byte[] content) {
        for (int i = 0; i < content.length; i++) {
            if (content[i] == '\r') {
                assertThat(i + 1 < content.length && content[i + 1] == '\n').as("bare CR at %d", i).isTrue();
            } else if (content[i] == '\n') {
                assertThat(i > 0 && content[i - 1] == '\r').as("bare LF at %d", i).isTrue();
            }
        }
        if (content.length > 0) {
            assertThat(content[content.length - 1]).as("content ends with CRLF").isEqualTo((byte) '\n');
        }
    }

    /** An AUTH response line (RFC 4954 section 4): base64 of the length its padding says, or 501 5.5.2. */
    @FuzzTest(maxDuration = "10m")
    void authResponse(byte[] input) {
        String text = new String(input, StandardCharsets.US_ASCII);
        try {
            byte[] decoded = AuthExchange.decode(text);
            int padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
            assertThat(decoded).hasSize(text.length() / 4 * 3 - padding);
        } catch (SmtpException e) {
            assertThat(e.reply().code()).isEqualTo(501);
            assertThat(e.reply().enhanced()).isEqualTo("5.5.2");
        }
    }
}
