package dev.mailroom.queue;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue ids: time-ordered (so a directory listing sorts by arrival) and unique across restarts and
 * processes (random suffix). Short enough to read in a log line, like Postfix's.
 */
public final class QueueIds {
    private static final char[] ALPHABET = "0123456789BCDFGHJKLMNPQRSTVWXYZ".toCharArray();
    private static final AtomicLong LAST = new AtomicLong();
    private static final SecureRandom RANDOM = new SecureRandom();

    private QueueIds() {
    }

    public static String next() {
        long micros = System.currentTimeMillis() * 1000;
        long t = LAST.updateAndGet(prev -> Math.max(prev + 1, micros));
        StringBuilder sb = new StringBuilder(16);
        encode(sb, t, 11);
        encode(sb, RANDOM.nextInt(1 << 20), 4);
        return sb.toString();
    }

    private static void encode(StringBuilder sb, long value, int digits) {
        char[] out = new char[digits];
        for (int i = digits - 1; i >= 0; i--) {
            out[i] = ALPHABET[(int) (value % ALPHABET.length)];
            value /= ALPHABET.length;
        }
        sb.append(out);
    }

    public static boolean isValid(String id) {
        if (id.length() != 15) {
            return false;
        }
        for (char c : id.toCharArray()) {
            if (new String(ALPHABET).indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }
}
