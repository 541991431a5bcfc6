package dev.mailroom.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * One SMTP reply: a three-digit code, an RFC 3463 enhanced status code and one or more text lines.
 *
 * <p>Every reply Mailroom sends is built from this type, never from raw strings, so that the enhanced
 * code is always present and its class always matches the basic code (RFC 2034 section 4). 3xx replies
 * (334, 354) carry no enhanced code, as RFC 2034 says.
 */
public record SmtpReply(int code, String enhanced, List<String> lines) {
    private static final java.util.regex.Pattern ENHANCED = java.util.regex.Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        if (enhanced != null) {
            if (!ENHANCED.matcher(enhanced).matches() || enhanced.charAt(0) - '0' != code / 100) {
                throw new IllegalArgumentException("enhanced code " + enhanced + " does not fit " + code);
            }
        }
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply needs at least one line");
        }
        for (String line : lines) {
            if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("reply text must not contain CR or LF");
            }
        }
    }

    public static SmtpReply of(int code, String enhanced, String text) {
        return new SmtpReply(code, enhanced, List.of(text));
    }

    /** A reply without enhanced code: greetings, EHLO/HELO replies and 3xx intermediate replies. */
    public static SmtpReply plain(int code, String text) {
        return new SmtpReply(code, null, List.of(text));
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    /** The same reply with other text (the code and enhanced code stay). */
    public SmtpReply withText(String text) {
        return new SmtpReply(code, enhanced, List.of(text));
    }

    /** The wire form, CRLF-terminated, with the enhanced code on every line. */
    public String wire() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (enhanced != null) {
                sb.append(enhanced);
                if (!lines.get(i).isEmpty()) {
                    sb.append(' ');
                }
            }
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString();
    }

    public byte[] wireBytes() {
        return wire().getBytes(StandardCharsets.UTF_8);
    }

    /** One line for logs: code, enhanced code and the first text line. */
    @Override
    public String toString() {
        return code + (enhanced == null ? "" : " " + enhanced) + " " + lines.getFirst();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SmtpReply r && r.code == code && Objects.equals(r.enhanced, enhanced) && r.lines.equals(lines);
    }

    @Override
    public int hashCode() {
        return Objects.hash(code, enhanced, lines);
    }
}
