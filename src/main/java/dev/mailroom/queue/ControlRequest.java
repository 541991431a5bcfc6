package dev.mailroom.queue;

import java.time.Instant;
import java.util.Locale;

/**
 * One operator request to the running server, as a queue command writes it into {@code spool/control/}:
 *
 * <pre>
 * hold 25XP86GX2NVK9S9
 * deadline 1764400000000
 * </pre>
 *
 * The first line is the operation and the queue id ({@code flush} alone flushes every message). After the
 * deadline the command has given up waiting, so a server that finds the request only then (it was down)
 * drops it instead of carrying out what nobody waits for any more.
 *
 * @param id the message, or null for {@code flush} of the whole queue
 */
public record ControlRequest(Operation operation, String id, Instant deadline) {

    public enum Operation {
        FLUSH, HOLD, RELEASE, DELETE, BOUNCE;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ControlRequest {
        if (operation == null || deadline == null) {
            throw new IllegalArgumentException("operation and deadline are required");
        }
        if (id == null ? operation != Operation.FLUSH : !QueueIds.isValid(id)) {
            throw new IllegalArgumentException("not a queue id: " + id);
        }
    }

    public String encode() {
        return operation.word() + (id == null ? "" : " " + id) + "\ndeadline " + deadline.toEpochMilli() + "\n";
    }

    /** @throws IllegalArgumentException for anything but a well-formed request */
    public static ControlRequest parse(String text) {
        String[] lines = text.split("\n");
        if (lines.length < 2 || !lines[1].startsWith("deadline ")) {
            throw new IllegalArgumentException("expected an operation line and a deadline line");
        }
        String[] words = lines[0].split(" ");
        if (words.length > 2) {
            throw new IllegalArgumentException("too many words: " + lines[0]);
        }
        Operation op;
        try {
            op = Operation.valueOf(words[0].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown operation: " + words[0], e);
        }
        Instant deadline = Instant.ofEpochMilli(Long.parseLong(lines[1].substring("deadline ".length())));
        return new ControlRequest(op, words.length == 2 ? words[1] : null, deadline);
    }

    /** For logs and messages: {@code hold 25XP86GX2NVK9S9}, or {@code flush} for the whole queue. */
    public String describe() {
        return operation.word() + (id == null ? "" : " " + id);
    }
}
