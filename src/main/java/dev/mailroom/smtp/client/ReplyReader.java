package dev.mailroom.smtp.client;

import dev.mailroom.smtp.SmtpReply;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads SMTP replies strictly from the server's byte stream. It keeps its own buffer (rather than a
 * BufferedInputStream) so that the client can see and throw away bytes it has not asked for yet: after
 * STARTTLS those bytes are an injection attempt (RFC 3207 section 4.2, Q-17).
 */
public final class ReplyReader {

    /** RFC 5321 section 4.5.3.1.5: a reply line is at most 512 octets including the CRLF. */
    static final int MAX_LINE = 512;
    /** A bound on multiline replies, so a peer cannot feed us lines forever. */
    static final int MAX_LINES = 200;

    private static final Pattern ENHANCED = Pattern.compile("([245])\\.(\\d{1,3})\\.(\\d{1,3})(?: |$)");

    private final InputStream in;
    private final byte[] buf = new byte[4096];
    private int pos;
    private int limit;

    public ReplyReader(InputStream in) {
        this.in = in;
    }

    /** Drops the bytes received but not yet parsed, and says how many there were. */
    int discardBuffered() {
        int n = limit - pos;
        pos = limit = 0;
        return n;
    }

    /**
     * Reads one complete reply.
     *
     * @param enhancedCodes the server offered ENHANCEDSTATUSCODES: parse RFC 2034 codes out of the text
     */
    public SmtpReply read(boolean enhancedCodes) throws IOException, SmtpClientException {
        List<String> texts = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !isDigits(line.substring(0, 3))) {
                throw new SmtpClientException("not an SMTP reply line: " + printable(line));
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (lineCode < 200 || lineCode > 599) {
                throw new SmtpClientException("reply code out of range: " + printable(line));
            }
            if (code != -1 && lineCode != code) {
                // RFC 5321 section 4.2.1: every line of a multiline reply carries the same code.
                throw new SmtpClientException("multiline reply changes its code: " + printable(line));
            }
            code = lineCode;
            char sep = line.length() == 3 ? ' ' : line.charAt(3);
            if (sep != ' ' && sep != '-') {
                throw new SmtpClientException("bad separator after reply code: " + printable(line));
            }
            texts.add(line.length() > 4 ? line.substring(4) : "");
            if (sep == ' ') {
                break;
            }
            if (texts.size() >= MAX_LINES) {
                throw new SmtpClientException("reply has more than " + MAX_LINES + " lines");
            }
        }
        return enhancedCodes ? withEnhanced(code, texts) : new SmtpReply(code, null, texts);
    }

    /**
     * RFC 2034 section 4 puts the enhanced code at the start of every line. We take it from the first line
     * only if it is well-formed and its class matches the basic code (SmtpReply enforces that); otherwise
     * the text stays exactly as sent and the enhanced code is null, so nothing the server said is lost.
     */
    private static SmtpReply withEnhanced(int code, List<String> texts) {
        Matcher m = ENHANCED.matcher(texts.getFirst());
        if (!m.lookingAt() || m.group(1).charAt(0) != Integer.toString(code).charAt(0)) {
            return new SmtpReply(code, null, texts);
        }
        String enhanced = m.group(1) + "." + Integer.parseInt(m.group(2)) + "." + Integer.parseInt(m.group(3));
        String prefix = texts.getFirst().substring(0, m.end(3));
        List<String> stripped = new ArrayList<>(texts.size());
        for (String t : texts) {
            if (t.equals(prefix)) {
                stripped.add("");
            } else if (t.startsWith(prefix + " ")) {
                stripped.add(t.substring(prefix.length() + 1));
            } else {
                stripped.add(t);
            }
        }
        return new SmtpReply(code, enhanced, stripped);
    }

    /** One CRLF-terminated line without its CRLF. A bare CR or LF is garbage, not a line end. */
    private String readLine() throws IOException, SmtpClientException {
        byte[] line = new byte[MAX_LINE];
        int n = 0;
        while (true) {
            int b = next();
            if (b == '\n') {
                if (n == 0 || line[n - 1] != '\r') {
                    throw new SmtpClientException("reply line ends in a bare LF");
                }
                return new String(line, 0, n - 1, StandardCharsets.UTF_8);
            }
            if (n > 0 && line[n - 1] == '\r') {
                throw new SmtpClientException("bare CR inside a reply line");
            }
            if (n == MAX_LINE - 1) {
                throw new SmtpClientException("reply line longer than " + MAX_LINE + " octets");
            }
            line[n++] = (byte) b;
        }
    }

    private int next() throws IOException {
        if (pos == limit) {
            int r = in.read(buf, 0, buf.length);
            if (r < 0) {
                throw new EOFException("connection closed by the server");
            }
            pos = 0;
            limit = r;
        }
        return buf[pos++] & 0xff;
    }

    private static boolean isDigits(String s) {
        return s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("[\\p{Cntrl}]", "?");
    }
}
