package dev.mailroom.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One line per event in logfmt ({@code event=rcpt session=… code=550 reason="…"}), so that a message can
 * be followed with one grep and the log can be parsed without guessing. Values are quoted when needed and
 * never contain CR or LF (client data goes through here).
 *
 * <p>The line's context comes from the logging thread's MDC: an SMTP session runs on its own virtual thread
 * and a delivery attempt on its worker, so {@link #SESSION} and {@link #QUEUE} set there appear, right after
 * {@code event=}, on every line logged below them (a policy, the DKIM signer, the SMTP client, DANE, MTA-STS)
 * without each caller passing them. A key passed explicitly takes the MDC's place, never printed twice: lines
 * logged on other threads (the idle watchdog, the operator's queue commands) still name their session or message.
 */
public final class EventLog {
    private static final Logger LOG = LoggerFactory.getLogger("mailroom.events");

    /** The SMTP session's id: set for the life of the session's thread. */
    public static final String SESSION = "session";
    /** The queue id of the message being received (from DATA/BDAT to the transaction's end) or delivered. */
    public static final String QUEUE = "queue";

    private EventLog() {
    }

    /** This thread now serves the SMTP session {@code id}; until {@link #leaveSession}. */
    public static void enterSession(String id) {
        MDC.put(SESSION, id);
        MDC.remove(QUEUE);
    }

    public static void leaveSession() {
        MDC.remove(SESSION);
        MDC.remove(QUEUE);
    }

    /** This thread's lines are now about message {@code id}; until {@link #endQueue}. */
    public static void queue(String id) {
        MDC.put(QUEUE, id);
    }

    public static void endQueue() {
        MDC.remove(QUEUE);
    }

    public static void info(String event, Object... keyValues) {
        if (LOG.isInfoEnabled()) {
            LOG.info(format(event, keyValues));
        }
    }

    public static void warn(String event, Object... keyValues) {
        LOG.warn(format(event, keyValues));
    }

    public static String format(String event, Object... keyValues) {
        StringBuilder sb = new StringBuilder(96).append("event=").append(event);
        appendContext(sb, SESSION, keyValues);
        appendContext(sb, QUEUE, keyValues);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            if (v == null || SESSION.equals(keyValues[i]) || QUEUE.equals(keyValues[i])) {
                continue; // the context keys are printed first, once
            }
            sb.append(' ').append(keyValues[i]).append('=');
            appendValue(sb, v.toString());
        }
        return sb.toString();
    }

    /** The caller's value for {@code key} if it passed one, else the MDC's; nothing when neither has one. */
    private static void appendContext(StringBuilder sb, String key, Object[] keyValues) {
        Object v = null;
        for (int i = 0; i + 1 < keyValues.length && v == null; i += 2) {
            if (key.equals(keyValues[i])) {
                v = keyValues[i + 1];
            }
        }
        if (v == null) {
            v = MDC.get(key);
        }
        if (v != null) {
            sb.append(' ').append(key).append('=');
            appendValue(sb, v.toString());
        }
    }

    private static void appendValue(StringBuilder sb, String v) {
        boolean quote = v.isEmpty();
        for (int i = 0; i < v.length() && !quote; i++) {
            char c = v.charAt(i);
            quote = c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 127;
        }
        if (!quote) {
            sb.append(v);
            return;
        }
        sb.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c < ' ' || c == 127 ? '?' : c);
            }
        }
        sb.append('"');
    }
}
