package dev.mailroom.queue;

import dev.mailroom.envelope.Envelope;
import dev.mailroom.envelope.MailParameters;
import dev.mailroom.envelope.Recipient;
import dev.mailroom.message.HeaderEnd;
import dev.mailroom.message.MessageFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * A queued message as the operator reads it: one line for {@code mailroom queue list}, the whole story for
 * {@code mailroom queue show}. Everything that came from outside (addresses, replies, header fields) has its
 * control characters replaced, so a hostile message cannot send escape sequences to the operator's terminal.
 */
public final class MessageReport {
    /** The header section shown is cut here; the spool accepted at most limits.max_header_section anyway. */
    static final int HEADER_LIMIT = HeaderEnd.DEFAULT_LIMIT;

    private MessageReport() {
    }

    /**
     * {@code ID SIZE ARRIVAL <SENDER> PENDING/TOTAL pending [HELD] [(LAST ERROR)]}, e.g.
     * {@code 25XP86GX2NVK9S9      409 2025-11-29T10:00:00Z <alice@example.com> 1/2 pending HELD (451 4.4.1 …)}.
     */
    public static String listLine(StoredMessage m) {
        DeliveryState s = m.state();
        String error = s.lastError();
        return String.format("%s %8d %s <%s> %d/%d pending%s%s", m.id(), m.size(), time(m.created()),
                printable(m.envelope().reversePathText()), s.pending().size(), s.recipients().size(),
                s.held() ? " HELD" : "", error == null ? "" : " (" + printable(error) + ")");
    }

    /** The envelope, the delivery state of each recipient and the header section, one fact per line. */
    public static String show(StoredMessage m) throws IOException {
        Envelope env = m.envelope();
        DeliveryState s = m.state();
        StringBuilder sb = new StringBuilder();
        line(sb, "id", m.id());
        line(sb, "arrival", time(m.created()));
        line(sb, "size", m.size() + " octets");
        line(sb, "sender", "<" + printable(env.reversePathText()) + ">");
        if (m.authenticatedUser() != null) {
            line(sb, "authenticated user", printable(m.authenticatedUser()));
        }
        String parameters = parameters(env.parameters());
        if (!parameters.isEmpty()) {
            line(sb, "parameters", parameters);
        }
        line(sb, "attempts", Integer.toString(s.attempts()));
        line(sb, "next attempt", s.held() ? "when released" : time(s.nextAttempt()));
        line(sb, "held", s.held() ? "yes" : "no");
        if (s.delayNotified()) {
            line(sb, "delay notice", "sent");
        }
        line(sb, "recipients", s.pending().size() + " pending of " + s.recipients().size());
        for (int i = 0; i < env.recipients().size(); i++) {
            Recipient r = env.recipients().get(i);
            RecipientState rs = s.recipients().get(i);
            line(sb, "recipient", "<" + printable(r.mailbox().address()) + ">"
                    + (r.notifyParam() == null ? "" : " NOTIFY=" + printable(r.notifyParam()))
                    + (r.orcpt() == null ? "" : " ORCPT=" + printable(r.orcpt())));
            line(sb, "  outcome", rs.outcome().name());
            line(sb, "  last reply", rs.reply() == null ? "none" : printable(String.join(" / ", replyLines(rs))));
            line(sb, "  remote MTA", rs.remoteMta() == null ? "none" : printable(rs.remoteMta()));
            line(sb, "  last attempt", rs.lastAttempt() == null ? "none" : time(rs.lastAttempt()));
        }
        sb.append("header section:\n");
        sb.append(headerSection(m));
        return sb.toString();
    }

    private static List<String> replyLines(RecipientState rs) {
        List<String> lines = new ArrayList<>();
        String code = rs.reply().code() + (rs.reply().enhanced() == null ? "" : " " + rs.reply().enhanced());
        for (String l : rs.reply().lines()) {
            lines.add(lines.isEmpty() ? code + " " + l : l);
        }
        return lines;
    }

    private static String parameters(MailParameters p) {
        List<String> words = new ArrayList<>();
        if (p.body() != null) {
            words.add("BODY=" + p.body().keyword());
        }
        if (p.smtputf8()) {
            words.add("SMTPUTF8");
        }
        if (p.declaredSize() >= 0) {
            words.add("SIZE=" + p.declaredSize());
        }
        if (p.ret() != null) {
            words.add("RET=" + p.ret());
        }
        if (p.envid() != null) {
            words.add("ENVID=" + printable(p.envid()));
        }
        if (p.auth() != null) {
            words.add("AUTH=" + printable(p.auth()));
        }
        if (p.requireTls()) {
            words.add("REQUIRETLS");
        }
        if (p.tlsOptional()) {
            words.add("TLS-Required:No"); // RFC 8689 section 5: the message's own tag, shown as RTLS-02 asks
        }
        return String.join(" ", words);
    }

    /** The header section with LF line ends, cut at {@link #HEADER_LIMIT} octets. */
    static String headerSection(StoredMessage m) throws IOException {
        HeaderEnd end = new HeaderEnd(HEADER_LIMIT);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        boolean cut = false;
        try (InputStream in = m.openContent()) {
            byte[] buf = new byte[8192];
            int n;
            while (!end.found() && (n = in.read(buf)) > 0) {
                header.write(buf, 0, n);
                try {
                    end.feed(buf, 0, n);
                } catch (MessageFormatException e) {
                    cut = true;
                    break;
                }
            }
            if (!end.found() && !cut) {
                end.finish(); // no body: the whole message is header
            }
        } catch (MessageFormatException e) {
            cut = true;
        }
        int length = (int) Math.min(header.size(), cut ? HEADER_LIMIT : end.headerLength());
        String text = new String(header.toByteArray(), 0, length, StandardCharsets.UTF_8).replace("\r\n", "\n");
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        StringBuilder sb = new StringBuilder();
        if (!text.isEmpty()) {
            for (String l : text.split("\n", -1)) {
                sb.append(printable(l)).append('\n');
            }
        }
        if (cut) {
            sb.append("(header section cut at ").append(HEADER_LIMIT).append(" octets)\n");
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append(": ").append(value).append('\n');
    }

    private static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Control characters (ESC above all) become '?'; TAB stays, since folded header lines start with it. */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c != '\t' && (c < ' ' || c == 127 || c >= 0x80 && c < 0xA0) ? '?' : c);
        }
        return sb.toString();
    }
}
