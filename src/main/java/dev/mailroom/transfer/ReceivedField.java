package dev.mailroom.transfer;

import dev.mailroom.address.PathParser;
import dev.mailroom.envelope.Envelope;
import dev.mailroom.smtp.SessionInfo;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/**
 * The trace field the transfer role prepends (RFC 5321 section 4.4):
 *
 * <pre>
 * Received: from HELO (NAME [IP])
 *         by HOSTNAME (Mailroom) with ESMTPS (TLSv1.3 CIPHER)
 *         id QUEUE-ID
 *         for &lt;RCPT&gt;; DATE
 * </pre>
 *
 * Unlike the submission role, the client's IP address is always there: on port 25 the client is another
 * MTA, and its address is what a postmaster needs to trace a message (RFC 2505 recommendation 2). The
 * protocol is named as RFC 3848 says (ESMTP, ESMTPS with TLS, ESMTPA/ESMTPSA with AUTH; UTF8SMTP... for
 * SMTPUTF8, RFC 6531 section 3.7.3). Folded before each clause to keep lines short (RFC 5322 2.1.1).
 */
final class ReceivedField {
    static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ENGLISH);

    private ReceivedField() {
    }

    /** The whole field, "Received: ..." with its CRLF. */
    static byte[] of(SessionInfo session, Optional<String> clientName, Envelope envelope, String hostname,
                     String queueId, ZonedDateTime now) {
        InetAddress ip = session.client().getAddress();
        StringBuilder sb = new StringBuilder(256);
        sb.append("Received: from ").append(heloForTrace(session.heloName()));
        sb.append(" (");
        clientName.ifPresent(n -> sb.append(n).append(' '));
        sb.append(addressLiteral(ip)).append(")\r\n");
        sb.append("\tby ").append(hostname).append(" (Mailroom) with ").append(protocol(session, envelope));
        if (session.tls()) {
            sb.append(" (").append(session.tlsDescription()).append(")");
        }
        sb.append("\r\n\tid ").append(queueId);
        if (envelope.recipients().size() == 1) {
            sb.append("\r\n\tfor <").append(envelope.recipients().getFirst().mailbox().address()).append(">");
        }
        sb.append("; ").append(RFC5322_DATE.format(now)).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 3848 section 4 and RFC 6531 section 3.7.3. */
    static String protocol(SessionInfo session, Envelope envelope) {
        String base = envelope.parameters().smtputf8() ? "UTF8SMTP" : session.esmtp() ? "ESMTP" : "SMTP";
        if (session.tls()) {
            base += "S";
        }
        if (session.authenticatedUser() != null) {
            base += "A";
        }
        return base;
    }

    /** RFC 5321 section 4.1.3: {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}. */
    static String addressLiteral(InetAddress ip) {
        String text = ip.getHostAddress();
        int zone = text.indexOf('%');
        if (zone >= 0) {
            text = text.substring(0, zone); // a link-local scope is not part of the literal
        }
        return ip instanceof java.net.Inet6Address ? "[IPv6:" + text + "]" : "[" + text + "]";
    }

    /**
     * The EHLO name as the client gave it (the engine checked it is a domain or looks like an address
     * literal), with U-labels as A-labels so the field stays ASCII, and any character of a literal that
     * could end a clause ({@code ;}, parentheses) replaced: a hostile peer must not be able to forge trace
     * structure.
     */
    static String heloForTrace(String helo) {
        if (helo.startsWith("[")) {
            StringBuilder sb = new StringBuilder(helo.length());
            for (int i = 0; i < helo.length(); i++) {
                char c = helo.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '.' || c == ':' || c == '-' || ((c == '[' || c == ']') && (i == 0 || i == helo.length() - 1));
                sb.append(ok ? c : '_');
            }
            return sb.toString();
        }
        return PathParser.toAsciiDomain(helo);
    }
}
