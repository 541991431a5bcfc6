package dev.mailroom.queue;

import dev.mailroom.queue.RecipientState.Outcome;
import dev.mailroom.smtp.SmtpReply;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The text form of a {@link DeliveryState} in a spool's {@code ID.state} file: one line per fact, so that an
 * operator can read it with {@code cat} and a newer version can add keys that an older one skips.
 *
 * <pre>
 * attempts 3
 * next 1764400000000
 * held
 * delay-notified
 * rcpt 0 FAILED 1764399000000 mx1.example.org 550 5.1.1 No such user
 * rcpt 1 PENDING 1764399000000 - 451 4.3.0 Try later
 * </pre>
 * A reply's lines are joined with TAB (reply text never contains one that matters). Recipients without a line
 * have not been tried.
 */
final class StateFormat {
    private static final String NONE = "-";

    private StateFormat() {
    }

    static String encode(DeliveryState state) {
        StringBuilder sb = new StringBuilder();
        sb.append("attempts ").append(state.attempts()).append('\n');
        sb.append("next ").append(state.nextAttempt().toEpochMilli()).append('\n');
        if (state.held()) {
            sb.append("held\n");
        }
        if (state.delayNotified()) {
            sb.append("delay-notified\n");
        }
        List<RecipientState> rs = state.recipients();
        for (int i = 0; i < rs.size(); i++) {
            RecipientState r = rs.get(i);
            if (r.equals(RecipientState.FRESH)) {
                continue;
            }
            sb.append("rcpt ").append(i).append(' ').append(r.outcome()).append(' ')
                    .append(r.lastAttempt() == null ? NONE : Long.toString(r.lastAttempt().toEpochMilli())).append(' ')
                    .append(r.remoteMta() == null ? NONE : word(r.remoteMta())).append(' ');
            if (r.reply() == null) {
                sb.append(NONE);
            } else {
                SmtpReply reply = r.reply();
                sb.append(reply.code()).append(' ').append(reply.enhanced() == null ? NONE : reply.enhanced())
                        .append(' ').append(String.join("\t", reply.lines().stream().map(StateFormat::line).toList()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static DeliveryState decode(String text, Instant created, int recipientCount) {
        int attempts = 0;
        Instant next = created;
        boolean held = false;
        boolean delayNotified = false;
        List<RecipientState> rs = new ArrayList<>(Collections.nCopies(recipientCount, RecipientState.FRESH));
        for (String line : text.split("\n")) {
            String[] f = line.split(" ", 2);
            String value = f.length > 1 ? f[1] : "";
            switch (f[0]) {
                case "attempts" -> attempts = Integer.parseInt(value);
                case "next" -> next = Instant.ofEpochMilli(Long.parseLong(value));
                case "held" -> held = true;
                case "delay-notified" -> delayNotified = true;
                case "rcpt" -> {
                    String[] p = value.split(" ", 7);
                    if (p.length < 5) {
                        throw new IllegalArgumentException("short rcpt line: " + line);
                    }
                    int index = index(p[0], recipientCount);
                    Instant last = p[2].equals(NONE) ? null : Instant.ofEpochMilli(Long.parseLong(p[2]));
                    String remote = p[3].equals(NONE) ? null : p[3];
                    SmtpReply reply = null;
                    if (!p[4].equals(NONE)) {
                        if (p.length < 7) {
                            throw new IllegalArgumentException("rcpt line without reply text: " + line);
                        }
                        reply = new SmtpReply(Integer.parseInt(p[4]), p[5].equals(NONE) ? null : p[5],
                                Arrays.asList(p[6].split("\t", -1)));
                    }
                    rs.set(index, new RecipientState(Outcome.valueOf(p[1]), reply, remote, last));
                }
                // written by the first versions, before per-recipient state: that recipient was finished
                case "done" -> rs.set(index(value, recipientCount), new RecipientState(Outcome.DELIVERED, null, null, null));
                default -> {
                    // blank lines and keys from a newer version are skipped
                }
            }
        }
        return new DeliveryState(attempts, next, rs, held, delayNotified);
    }

    private static int index(String s, int count) {
        int i = Integer.parseInt(s);
        if (i < 0 || i >= count) {
            throw new IllegalArgumentException("recipient index " + i + " out of range 0.." + (count - 1));
        }
        return i;
    }

    /** A host name as one word (it never has spaces; a broken one must not break the line format). */
    private static String word(String s) {
        return s.isEmpty() ? NONE : s.replaceAll("[\\s]", "_");
    }

    private static String line(String s) {
        return s.replace('\t', ' ');
    }
}
