package dev.mailroom.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per event in logfmt ({@code event=rcpt session=… code=550 reason="…"}), so that a message can
 * be followed with one grep and the log can be parsed without guessing. Values are quoted when needed and
 * never contain CR or LF (client data goes through here).
 */
public final class EventLog {
    private static final Logger LOG = LoggerFactory.getLogger("mailroom.events");

    private EventLog() {
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
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            if (v == null) {
                continue;
            }
            sb.append(' ').append(keyValues[i]).append('=');
            appendValue(sb, v.toString());
        }
        return sb.toString();
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
