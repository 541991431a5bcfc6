package dev.mailroom.quota;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One line of the usage journal: what an account used in one minute, and which recipients it sent to then.
 * A committed message is one record; a compacted journal holds one record per used minute and records with
 * counts of 0 that only carry remembered recipients. Replaying the records in any order rebuilds the state.
 *
 * <pre>minute account messages recipients new-recipients [hash ...]</pre>
 *
 * The minute counts from the epoch; the account is percent-encoded outside printable ASCII (and for '%'); each
 * hash is 16 hexadecimal digits (see {@link RecipientHasher}).
 */
record UsageRecord(long minute, String account, long messages, long recipients, long newRecipients, long[] seen) {

    String line() {
        StringBuilder sb = new StringBuilder(48 + seen.length * 17);
        sb.append(minute).append(' ').append(encode(account)).append(' ').append(messages).append(' ')
                .append(recipients).append(' ').append(newRecipients);
        for (long h : seen) {
            sb.append(' ');
            sb.append(HexFormat.of().toHexDigits(h));
        }
        return sb.append('\n').toString();
    }

    /** @throws IllegalArgumentException for anything but a whole, well-formed line (a torn write after a crash) */
    static UsageRecord parse(String line) {
        String[] f = line.split(" ", -1);
        if (f.length < 5) {
            throw new IllegalArgumentException("too few fields");
        }
        long[] seen = new long[f.length - 5];
        for (int i = 0; i < seen.length; i++) {
            if (f[5 + i].length() != 16) {
                throw new IllegalArgumentException("bad hash");
            }
            seen[i] = HexFormat.fromHexDigitsToLong(f[5 + i]);
        }
        long messages = Long.parseLong(f[2]);
        long recipients = Long.parseLong(f[3]);
        long fresh = Long.parseLong(f[4]);
        if (messages < 0 || recipients < 0 || fresh < 0) {
            throw new IllegalArgumentException("negative count");
        }
        return new UsageRecord(Long.parseLong(f[0]), decode(f[1]), messages, recipients, fresh, seen);
    }

    private static String encode(String account) {
        StringBuilder sb = new StringBuilder(account.length());
        for (byte b : account.getBytes(StandardCharsets.UTF_8)) {
            if (b > ' ' && b < 127 && b != '%') {
                sb.append((char) b);
            } else {
                sb.append('%');
                HexFormat.of().withUpperCase().toHexDigits(sb, b);
            }
        }
        return sb.toString();
    }

    private static String decode(String field) {
        if (field.isEmpty()) {
            throw new IllegalArgumentException("empty account");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '%') {
                if (i + 3 > field.length()) {
                    throw new IllegalArgumentException("bad escape");
                }
                out.write(HexFormat.fromHexDigits(field, i + 1, i + 3));
                i += 2;
            } else if (c > ' ' && c < 127) {
                out.write(c);
            } else {
                throw new IllegalArgumentException("bad character in account");
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UsageRecord r && r.minute == minute && r.account.equals(account) && r.messages == messages
                && r.recipients == recipients && r.newRecipients == newRecipients && Arrays.equals(r.seen, seen);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(minute) * 31 + account.hashCode();
    }

    @Override
    public String toString() {
        return line().strip();
    }
}
